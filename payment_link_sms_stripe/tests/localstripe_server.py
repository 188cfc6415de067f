# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run localstripe (a stateful Stripe simulator) on a free loopback port, in memory.

Started by the Stripe tests (``common.LocalStripeCommon``) as a child process:
``python -m odoo.addons.payment_link_sms_stripe.tests.localstripe_server`` is not needed, the
tests run this file with the interpreter running Odoo. It prints ``port <n>`` once it listens.
localstripe's own command listens on every interface and saves its data to a file in /tmp;
this one listens on 127.0.0.1 only and keeps everything in memory.
"""

import socket
import sys


def main():
    from aiohttp import web
    from localstripe import resources, server

    # In memory only: nothing written to /tmp/localstripe.pickle (shared by every run).
    resources.Store.dump_to_disk = lambda self: None
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(f"port {sock.getsockname()[1]}", flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None, handle_signals=True)


if __name__ == "__main__":
    sys.exit(main())
