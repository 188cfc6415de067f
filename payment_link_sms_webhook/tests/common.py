# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .. import const


def verify_stripe_style(header, body, secret, tolerance=None, now=None):
    """A receiver's check, written as Stripe's libraries check ``Stripe-Signature``: split
    ``t=...,v1=...``, HMAC-SHA256 of ``"<t>.<raw body>"`` with the secret, constant-time
    comparison with any v1 signature, optional timestamp tolerance."""
    items = [item.split("=", 1) for item in header.split(",")]
    timestamp = int(next(value for key, value in items if key == "t"))
    signatures = [value for key, value in items if key == "v1"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        return False
    return tolerance is None or abs(now - timestamp) <= tolerance


def allow_local_receivers(env, hosts="127.0.0.1"):
    """Allow webhooks to local receivers, as an administrator of an on-premise server does."""
    env["ir.config_parameter"].sudo().set_param(const.WEBHOOK_ALLOWED_HOSTS_PARAM, hosts or False)


class Receiver:
    """A local HTTP server (127.0.0.1) standing for the outside system: it records each
    request and answers with the next status of ``statuses`` (200 when none is left), or as
    ``answer(handler)`` says when set. With ``env``, webhooks to 127.0.0.1 are allowed (the
    administrator's system parameter)."""

    def __init__(self, env=None):
        self.requests = []
        self.statuses = []
        self.answer = None
        receiver = self
        if env is not None:
            allow_local_receivers(env)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                if receiver.answer:
                    receiver.answer(self)
                    return
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/paylink"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
