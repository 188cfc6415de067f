# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)


class PaymentLink(models.Model):
    _inherit = "payment.link"

    def _card_on_file_send_request(self, transaction):
        """Send the charge to the provider and record its result on the link (see
        ``payment.link.mixin.charge_card_on_file``)."""
        self.ensure_one()
        internal = self._with_company_lang()
        try:
            transaction.with_context(payment_link_charging=True)._send_payment_request()
        except (UserError, ValidationError) as error:
            _logger.info("card on file charge %s refused by the provider", transaction.reference)
            transaction.with_context(payment_link_charging=True)._set_error(str(error))
        if transaction.state == "done":
            transaction._post_process()
        state = transaction._payment_link_charge_result()
        answer = {
            "state": state,
            "transaction_id": transaction.id,
            "link_id": self.id,
        }
        if state == "paid":
            answer["message"] = internal.env._(
                "%(amount)s charged on the card %(card)s.",
                amount=self.currency_id.format(transaction.amount),
                card=transaction.token_id.display_name,
            )
        elif state == "pending":
            answer["message"] = internal.env._(
                "The charge of %s is pending at the provider: the document is paid once it "
                "confirms.",
                self.currency_id.format(transaction.amount),
            )
        elif state == "declined":
            reason = transaction._payment_link_decline_reason()
            answer["message"] = internal.env._("The card was declined: %s", reason)
            self._log_events("payment_failed", transaction_id=transaction.id, reason=reason)
            self._set_state("cancelled", reason=answer["message"], log_document=False)
            self.env["payment.link.event"]._notify_stage(
                self, "payment_failed", reason=answer["message"]
            )
        else:
            answer.update(self._card_on_file_ask_authentication(transaction))
        return answer

    def _card_on_file_ask_authentication(self, transaction):
        """The bank asks the customer to authenticate the charge: a normal pay link is sent on
        the card's channel (it replaces the charge's record as the document's live link)."""
        internal = self._with_company_lang()
        reason = internal.env._(
            "The customer's bank asks them to authenticate the payment (3-D Secure)."
        )
        self._log_events("authentication_required", transaction_id=transaction.id, reason=reason)
        document = self._get_document()
        pay_link = self.browse()
        error = False
        try:
            with self.env.cr.savepoint():
                answer = document.send_payment_link(
                    self.channel, phone=self.phone or None, email=self.email or None
                )[0]
                pay_link = self.browse(answer["link_id"])
                error = answer["error"]
        except UserError as refusal:
            error = str(refusal)
        if pay_link:
            message = internal.env._(
                "%(reason)s A pay link was sent to the customer (%(link)s).",
                reason=reason,
                link=pay_link.name,
            )
        else:
            message = internal.env._(
                "%(reason)s No pay link could be sent: %(error)s",
                reason=reason,
                error=error,
            )
            self._set_state("cancelled", reason=message, log_document=False)
        self.env["payment.link.event"]._notify_stage(
            self, "authentication_required", reason=message
        )
        return {"message": message, "pay_link_id": pay_link.id}
