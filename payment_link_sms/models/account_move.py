# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo import api, models
from odoo.fields import Command

from .. import utils


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "payment.link.mixin"]

    # === Hooks of payment.link.mixin === #

    def _payment_link_can_send_depends(self):
        return ["move_type", "state", "payment_state", "amount_residual"]

    @api.model
    def _payment_link_find_domain(self, number):
        return [("name", "=", number), ("move_type", "in", ("out_invoice", "out_receipt"))]

    def _payment_link_charge_allowed(self):
        # The charge policy of invoices: a posted customer invoice may be charged on a card on
        # file (``_payment_link_refusal`` refuses the others).
        return True

    def _payment_link_refusal(self):
        self.ensure_one()
        name = self.name if self.name and self.name != "/" else self.display_name
        if self.move_type != "out_invoice":
            return self.env._(
                "%s is not a customer invoice: only customer invoices can be paid by link.", name
            )
        if self.state == "draft":
            return self.env._("%s is a draft: confirm it before sending a payment link.", name)
        if self.state == "cancel":
            return self.env._("%s is cancelled: there is nothing to pay.", name)
        if self._payment_link_is_paid():
            return self.env._("%s is already paid.", name)
        if self.payment_state == "blocked":
            return self.env._("Payment of %s is blocked.", name)
        return False

    def _payment_link_salesperson(self):
        return self.invoice_user_id

    def _payment_link_amount_due(self):
        """The residual, less the early payment discount while it applies."""
        self.ensure_one()
        due = self.amount_residual
        if self.invoice_payment_term_id.early_discount:
            # Only then can a discount apply: Odoo's installment analysis (a dozen filters per
            # invoice, the bulk of a bulk send's preparation) would return the residual.
            values = self._get_invoice_next_payment_values()
            if values.get("installment_state") == "epd":
                due = values["amount_due"]
        # Payments confirmed by the provider that Odoo has not reconciled yet (it does so a
        # moment later, when it post-processes them) are paid already.
        unreconciled = sum(
            tx.amount
            for tx in self.sudo().transaction_ids
            if tx.state == "done"
            and not tx.is_post_processed
            and tx.operation != "refund"
            and tx.currency_id == self.currency_id
        )
        if not unreconciled:
            return due
        return max(self.currency_id.round(due - unreconciled), 0.0)

    def _payment_link_is_paid(self):
        return self.payment_state in ("paid", "in_payment", "reversed") or (
            self.state == "posted" and self.currency_id.is_zero(self.amount_residual)
        )

    @api.model
    def _payment_link_unpaid_domain(self):
        return [("payment_state", "not in", ("paid", "in_payment", "reversed"))]

    def _payment_link_extra_values(self):
        return {"invoice_id": self.id}

    def _payment_link_transaction_values(self):
        return {"invoice_ids": [Command.set(self.ids)]}

    def _payment_link_summary_template(self):
        return "payment_link_sms.pay_page_summary_invoice"

    def _invoice_link_report_values(self):
        """What the invoice PDF shows about paying by link (company option).

        A PDF rendered for a download answer (see ``_paylink_pdf_is_live``) gets a token
        of its own for its QR code and short URL. Any other rendering may be stored (the copy
        kept when the invoice is sent, an email attachment): it shows the link masked, without
        QR code, and issues no token. A paid invoice shows "Paid"; otherwise nothing: a PDF
        never carries a link that is not live.

        :return: {} or {'paid': True} or {'url', 'short_url', 'short_base', 'code', 'qr',
                 'expiration'} or, when the PDF may be stored,
                 {'short_url', 'expiration', 'masked'}; ``code`` is the printed code a person
                 types after ``short_base`` (see ``utils.generate_code``).
        """
        self.ensure_one()
        if not self.company_id.payment_link_on_invoice_pdf or self.move_type != "out_invoice":
            return {}
        if self.state == "posted" and self._payment_link_is_paid():
            return {"paid": True}
        live = self._paylink_latest_live()
        if not live or self._payment_link_refusal():
            return {}
        expiration = live._format_expiration(lang_code=self.partner_id.lang or None)
        if not self._paylink_pdf_is_live():
            return {
                "short_url": live.masked_url.split("://", 1)[-1],
                "expiration": expiration,
                "masked": True,
            }
        # One print renders the document more than once (Odoo's report engine): one token
        # and one "printed" event per print, i.e. per transaction.
        printed = self.env.cr.precommit.data.setdefault("payment_link_sms.printed", {})
        if live.id not in printed and self.env.cr.readonly:
            # Odoo serves /report/* on a read-only cursor first; printing a live link writes
            # its token and event: ask for Odoo's read/write retry before any write.
            raise psycopg2.errors.ReadOnlySqlTransaction(
                "payment link: printing a live link records its token"
            )
        if live.id not in printed:
            url = self.env["payment.link.token"]._issue_print(live, self, self.env._("Invoice PDF"))
            base, code = url.rsplit("/", 1)
            printed[live.id] = {
                "url": url,
                "short_url": url.split("://", 1)[-1],
                "short_base": f"{base.split('://', 1)[-1]}/",
                "code": code,
                "qr": utils.qr_data_uri(url),
            }
        return {
            **printed[live.id],
            "expiration": expiration,
        }

    def _payment_link_pdf_label(self):
        return self.env._("Download invoice (PDF)")

    @api.model
    def _payment_link_count_labels(self):
        return self.env._("%s invoice"), self.env._("%s invoices")

    def _payment_link_report_ref(self):
        return "account.account_invoices"

    def _payment_link_receipt_pdf(self):
        """The invoice's legal PDF when it was kept at sending (as Odoo's portal serves it),
        else the invoice report rendered now."""
        self.ensure_one()
        stored = self.sudo().invoice_pdf_report_id
        if stored:
            return stored.name, stored.raw
        return super()._payment_link_receipt_pdf()

    def _payment_link_void_reason(self):
        return self.payment_state == "reversed" and self.env._("The invoice was reversed")

    def _payment_link_paid_reason(self):
        return self.env._("The invoice was paid")

    def _payment_link_write_stop_reason(self, vals):
        if vals.get("state") == "draft":
            return self.env._("The invoice was reset to draft")
        if vals.get("state") == "cancel":
            return self.env._("The invoice was cancelled")
        return False

    # === Odoo tells the invoice it was paid === #

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self._paylink_sync_paid()
        return res
