# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PaymentTransaction(models.Model):
    """Cards saved through a link: while paying (the customer ticked "Save my card", or the
    sender recorded the consent) or by a card request (a validation operation).

    The consent shown on the page is kept on the transaction when it is created (the request
    of the customer's browser: its address and user agent), and recorded as a
    ``payment.consent`` once the provider gave the token and the transaction succeeded.
    """

    _inherit = "payment.transaction"

    payment_link_consent_values = fields.Json(
        string="Consent Given on the Page",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="The consent to save the card, as given when the payment started; recorded as "
        "the card's consent once the card is saved.",
    )
    payment_link_consent_id = fields.Many2one(
        comodel_name="payment.consent",
        string="Card Consent",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice,account.group_account_readonly",
    )

    def write(self, vals):
        res = super().write(vals)
        # The provider's flow (always as superuser) gives the saved card. A user writing a
        # token on a transaction records no consent: the ledger takes staff consents only
        # through its own checked create (issue 20, item 7).
        if vals.get("token_id") and self.env.su:
            self._payment_link_record_card()
        return res

    def _set_done(self, state_message=None, extra_allowed_states=()):
        txs = super()._set_done(
            state_message=state_message, extra_allowed_states=extra_allowed_states
        )
        txs._payment_link_record_card()
        return txs

    def _set_authorized(self, state_message=None, **kwargs):
        txs = super()._set_authorized(state_message=state_message, **kwargs)
        txs._payment_link_record_card()
        return txs

    def _set_canceled(self, state_message=None, **kwargs):
        txs = super()._set_canceled(state_message=state_message, **kwargs)
        txs._payment_link_card_failed()
        return txs

    def _set_error(self, state_message, **kwargs):
        txs = super()._set_error(state_message, **kwargs)
        txs._payment_link_card_failed()
        return txs

    def _payment_link_records_own_failure(self):
        return self.payment_link_charging or super()._payment_link_records_own_failure()

    def _payment_link_validation_request(self):
        """The card request of a validation through a link, if any (its document when the
        document type saves a card without paying, ``_payment_link_is_validation``)."""
        self.ensure_one()
        document = self.payment_link_id._get_document()
        if self.operation == "validation" and document and document._payment_link_is_validation():
            return document
        return self.env["payment.card.request"]

    def _payment_link_record_card(self):
        """Once a link's transaction succeeded with a saved card: record the consent given on
        the page (once), and close the card request it answers."""
        for tx in self.sudo().filtered(
            lambda tx: tx.payment_link_id and tx.token_id and tx.state in ("done", "authorized")
        ):
            if tx.payment_link_consent_values and not tx.payment_link_consent_id:
                tx.payment_link_consent_id = tx.env["payment.consent"]._record_from_transaction(tx)
            request = tx._payment_link_validation_request()
            if request and request.state in ("draft", "open"):
                request._card_request_saved(tx)
        for tx in self.sudo().filtered(
            lambda tx: tx.payment_link_id and not tx.token_id and tx.state == "done"
        ):
            # A validation that ended without a card (the method cannot be saved).
            request = tx._payment_link_validation_request()
            if request and request.state in ("draft", "open"):
                request._card_request_failed(tx)

    def _payment_link_card_failed(self):
        for tx in self.sudo().filtered(lambda tx: tx.payment_link_id):
            request = tx._payment_link_validation_request()
            if request and request.state in ("draft", "open"):
                request._card_request_failed(tx)

    payment_link_authentication_required = fields.Boolean(
        string="Authentication Required",
        readonly=True,
        copy=False,
        help="The customer's bank asked for the customer's authentication (3-D Secure) of this "
        "off-session charge of a card on file.",
    )
    payment_link_charging = fields.Boolean(
        readonly=True,
        copy=False,
        help="A charge of a card on file is waiting for its provider's answer to the request: "
        "the charge records that answer itself.",
    )

    def _payment_link_charge_result(self):
        """The result of a card on file charge: 'paid', 'pending', 'declined' or
        'authentication_required'."""
        self.ensure_one()
        if self.state == "done":
            return "paid"
        if self.payment_link_authentication_required:
            return "authentication_required"
        if self.state in ("pending", "authorized"):
            return "pending"
        if self.state == "draft":
            # Still waiting at the provider (no answer yet): not declined.
            return "pending"
        return "declined"

    def _payment_link_decline_reason(self):
        """Why the provider declined the charge, in plain words (a provider bridge overrides
        this to translate its codes)."""
        self.ensure_one()
        return self.state_message or (
            self.env._("the payment was cancelled")
            if self.state == "cancel"
            else self.env._("the payment provider refused the payment")
        )
