# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import consteq, html2plaintext

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
            self._payment_link_fill_markers(vals_list)
        return super().create(vals_list)

    @api.model
    def _payment_link_fill_markers(self, vals_list):
        """Replace the link markers of emails being queued by working links.

        One link per document and transaction: every email of the same sending carries the
        same URL. The email gets the full URL; its chatter copy gets the masked one.

        :param list vals_list: ``mail.mail`` create values, changed in place.
        """
        urls = self.env.cr.precommit.data.setdefault("payment_link_sms.mail_urls", {})
        messages = self.env["mail.message"].sudo()
        for vals in vals_list:
            body = vals.get("body_html") or ""
            for match in utils.LINK_MARKER_RE.finditer(body):
                key = match.group(0)
                if key not in urls:
                    urls[key] = self._payment_link_issue_for_marker(key, *match.groups(), vals=vals)
                link_id, url, masked = urls[key]
                vals["body_html"] = vals["body_html"].replace(key, url)
                if vals.get("body"):
                    vals["body"] = vals["body"].replace(key, masked)
                if link_id:
                    vals.setdefault("payment_link_id", link_id)
                message = messages.browse(vals.get("mail_message_id")).exists()
                if message and key in (message.body or ""):
                    message.body = Markup(message.body.replace(key, masked))

    @api.model
    def _payment_link_issue_for_marker(self, marker, model, res_id, signature, vals):
        """Return ``(link_id, url, masked_url)`` for one marker found in an email."""
        document = model in self.env and self.env[model].sudo().browse(int(res_id)).exists()
        if (
            not document
            or "payment_link_ids" not in document._fields
            or not consteq(document._paylink_marker_signature(), signature)
        ):
            base = self.get_base_url()
            return False, base, base
        if document._payment_link_refusal():
            url = f"{document.get_base_url()}{document._paylink_document_url()}"
            return False, url, url
        recipients = self.env["res.partner"].browse(
            [cmd[1] for cmd in vals.get("recipient_ids") or [] if cmd and cmd[0] == 4]
        )
        email = vals.get("email_to") or ", ".join(filter(None, recipients.mapped("email")))
        link = document._paylink_ensure_live(email=email or None)
        url = link.env["payment.link.token"]._issue(link, "email")[link.id]
        masked = utils.mask_token(url, url.rsplit("/", 1)[1])
        text = html2plaintext(vals["body_html"]).replace(marker, masked)
        link._log_events(
            "sent",
            channel="email",
            recipient=email or link.email,
            message=f"{vals.get('subject') or ''}\n\n{text}",
        )
        link.sudo().email_state = "queued"
        return link.id, url, masked

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
                self.env["payment.link.event"]._update_delivery_from_outbox(
                    links, "email", "failed", reason=self._payment_link_plain_reason(failure_type)
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
                self.env["payment.link.event"]._update_delivery_from_outbox(
                    links, "email", "delivered"
                )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
