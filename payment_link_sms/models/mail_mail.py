# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .. import utils


class MailMail(models.Model):
    """Follow the email of a payment link: accepted by the mail server, or failed."""

    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        link_ids = [mail.res_id for mail in self if mail.model == "payment.link" and mail.res_id]
        if link_ids:
            links = self.env["payment.link"].sudo().browse(link_ids).exists()
            if failure_type:
                labels = dict(
                    self.env["mail.notification"]
                    ._fields["failure_type"]
                    ._description_selection(self.env)
                )
                reason = failure_reason or labels.get(failure_type) or failure_type
                links._update_delivery("email", "failed", reason=reason)
                # Kept by Odoo for a retry: mask the link and cancel it, the user resends a
                # new link instead.
                for mail in self.filtered(lambda m: m.model == "payment.link").sudo():
                    mail.write(
                        {"body_html": utils.mask_link_urls(mail.body_html), "state": "cancel"}
                    )
            else:
                links._update_delivery("email", "delivered")
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
