# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .. import utils


class MailMail(models.Model):
    """Payment links in emails: the document's own emails get a working link at the moment
    they are queued, and every email carrying a link is followed until the mail server
    accepts it or fails."""

    _inherit = "mail.mail"

    payment_link_id = fields.Many2one(
        comodel_name="payment.link", index="btree_not_null", ondelete="set null"
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(utils.LINK_MARKER_PREFIX in (vals.get("body_html") or "") for vals in vals_list):
            self.env["payment.link"]._fill_mail_markers(vals_list)
        return super().create(vals_list)

    def _payment_link_plain_reason(self, failure_type):
        """Why an email did not arrive, in the words of the person who sent it (translated)."""
        _ = self.env._
        return {
            "mail_smtp": _("mail server unreachable"),
            "mail_email_invalid": _("email address not valid"),
            "mail_email_missing": _("no email address"),
            "mail_from_invalid": _("sender address not valid (mail server settings)"),
            "mail_from_missing": _("sender address missing (mail server settings)"),
            "mail_bounce": _("email address unreachable"),
        }.get(failure_type) or _("email address unreachable")

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        mails = self.filtered("payment_link_id")
        if mails:
            links = mails.payment_link_id.sudo()
            if failure_type:
                links._update_delivery(
                    "email", "failed", reason=self._payment_link_plain_reason(failure_type)
                )
                # Kept by Odoo for a retry: mask the link (the email and its message) and
                # cancel the mail, the user resends a new link instead.
                for mail in mails.sudo():
                    mail.write(
                        {
                            "body_html": utils.mask_link_urls(mail.body_html),
                            "body": utils.mask_link_urls(mail.body),
                            "state": "cancel",
                        }
                    )
            else:
                links._update_delivery("email", "delivered")
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
