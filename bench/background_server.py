# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's server for bench/background.py, the SMS gateway answering success offline.

As bench/odoo_server.py (a script file, which Odoo's prefork server runs again for its
websocket process), with IAP's SMS endpoint answered in the process: the cron workers hand the
queued SMS to it as they would to Odoo's IAP. Nothing leaves the machine.
"""

import os
import sys

os.environ["TZ"] = "UTC"  # as odoo-bin, before anything reads the time zone

import odoo
from odoo.modules.module import initialize_sys_path
from odoo.tools import config

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    config.parse_config(sys.argv[1:], setup_logging=False)
    initialize_sys_path()
    from odoo_side import _iap_success

    from odoo.addons.sms.tools.sms_api import SmsApi

    SmsApi._contact_iap = _iap_success
    odoo.cli.main()
