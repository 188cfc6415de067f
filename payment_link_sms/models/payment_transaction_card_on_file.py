# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

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

    def _payment_link_records_own_failure(self):
        return self.payment_link_charging or super()._payment_link_records_own_failure()

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
