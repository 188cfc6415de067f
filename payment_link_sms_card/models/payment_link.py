# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import const

_logger = logging.getLogger(__name__)


class PaymentLink(models.Model):
    """Links of the card concern: the record of a staff charge of a card on file (kind
    'card_on_file'), and the card saved while paying (the sender's recorded consent, the
    consent text shown on the page)."""

    _inherit = "payment.link"

    kind = fields.Selection(
        selection_add=const.LINK_KINDS,
        # Uninstalled, the addon leaves its links in the audit trail (as payment links).
        ondelete={"card_on_file": "set default", "card_request": "set default"},
    )
    save_card_consent_method = fields.Selection(
        selection=[
            method for method in const.CONSENT_METHODS if method[0] in const.STAFF_CONSENT_METHODS
        ],
        string="Card Consent Given",
        readonly=True,
        copy=False,
        help="The sender recorded the customer's consent to save the card (in person or on the "
        "phone): the page saves the card used, and the consent is recorded once it is saved.",
    )

    def _card_on_file_send_request(self, transaction):
        """Send the charge to the provider and record its result on the link (see
        ``payment.link.mixin.charge_card_on_file``)."""
        self.ensure_one()
        internal = self._with_company_lang()
        # The provider's answer to the request is this charge's to record (below), not the
        # link's failure handling (payment.transaction._payment_link_records_own_failure).
        transaction.payment_link_charging = True
        try:
            transaction._send_payment_request()
        except (UserError, ValidationError) as error:
            _logger.info("card on file charge %s refused by the provider", transaction.reference)
            transaction._set_error(str(error))
        transaction.payment_link_charging = False
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

    # === BUSINESS METHODS: saving the card (see payment.consent) === #

    @api.model
    def _ensure_card_consent_rights(self):
        """Only billing users record a customer's consent (as ``payment.consent`` allows)."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only billing users may record a customer's consent."))

    def _payment_link_result_templates(self):
        if self._is_validation():
            return {
                "paid": "payment_link_sms_card.pay_page_card_saved",
                "status": "payment_link_sms_card.pay_page_card_status",
            }
        return super()._payment_link_result_templates()

    def _payment_link_save_card_mode(self):
        """How the page treats saving the customer's card: 'required' (a card request, or the
        sender recorded the consent), 'offered' (an unticked box, when the company offers it),
        or 'off'."""
        self.ensure_one()
        if self._is_validation() or self.save_card_consent_method:
            return "required"
        return "offered" if self.company_id.payment_link_save_card == "offered" else "off"

    def _payment_link_consent_text(self):
        """The consent text shown on the page (in the customer's language)."""
        self.ensure_one()
        return self.company_id._payment_consent_text(self.lang)

    def _payment_link_save_card_transaction_values(self, ip_address, user_agent):
        values = super()._payment_link_save_card_transaction_values(ip_address, user_agent)
        values["payment_link_consent_values"] = self._payment_link_consent_values(
            ip_address, user_agent
        )
        return values

    def _payment_link_consent_values(self, ip_address, user_agent):
        """The consent given when a payment that saves the card starts, recorded as a
        ``payment.consent`` once the card is saved: by the sender (in person, on the phone), or
        online by the customer (their address and browser).

        :return: The consent's values, without the token.
        :rtype: dict
        """
        self.ensure_one()
        values = {
            "consent_text": self._payment_link_consent_text(),
            "consent_version": self.company_id.payment_consent_version,
        }
        if self.save_card_consent_method and not self._is_validation():
            return {
                **values,
                "method": self.save_card_consent_method,
                "user_id": self.sender_id.id,
            }
        return {
            **values,
            "method": "online",
            "ip_address": ip_address,
            "user_agent": (user_agent or "")[: const.USER_AGENT_MAX_LENGTH],
        }
