# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .. import const


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    payment_link_authentication_required = fields.Boolean(
        string="Authentication Required",
        readonly=True,
        copy=False,
        help="The customer's bank asked for the customer's authentication (3-D Secure) of this "
        "off-session charge of a card on file.",
    )

    def _send_payment_request(self):
        if self._payment_link_demo_authentication():
            # payment_demo's simulation of a bank asking for 3-D Secure (see const).
            self.payment_link_authentication_required = True
            self._set_error(
                self.env._("The bank asks the cardholder to authenticate this payment.")
            )
            return None
        return super()._send_payment_request()

    def _payment_link_demo_authentication(self):
        """Whether this is a card on file charge with the demo card asking for 3-D Secure."""
        self.ensure_one()
        return (
            self.provider_code == "demo"
            and self.operation == "offline"
            and self.payment_link_id.kind == "card_on_file"
            and (self.token_id.payment_details or "").endswith(const.DEMO_AUTHENTICATION_DIGITS)
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
