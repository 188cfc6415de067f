# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Start Odoo as its odoo-bin script does (used by bench/run.py for its HTTP server).

With ``--workers``, Odoo's prefork server starts its websocket (gevent) process by running
``sys.argv[0]`` again: that must be a script file, which ``python3 -m odoo`` does not give.
"""

import os

os.environ["TZ"] = "UTC"  # as odoo-bin, before anything reads the time zone

import odoo

if __name__ == "__main__":
    odoo.cli.main()
