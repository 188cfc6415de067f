# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _process_queue(self, ids=None):
        """Odoo's SMS queue sends at most 10,000 SMS per run and waits for its next trigger
        or its hourly run: a background send of 50,000 links leaves 40,000 waiting up to an
        hour. Reported as progress to Odoo's cron runner (a batched cron), which runs the
        queue again at once while SMS are left and the last run sent some (still one run at
        a time: the cron's own lock)."""
        domain = [("state", "=", "outgoing"), ("to_delete", "!=", True)]
        before = self.sudo().search_count(domain)
        result = super()._process_queue(ids=ids)
        remaining = self.sudo().search_count(domain)
        self.env["ir.cron"]._notify_progress(done=max(before - remaining, 0), remaining=remaining)
        return result
