# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.http import request

from odoo.addons.payment.controllers.portal import PaymentPortal


class PaymentTokenPortal(PaymentPortal):
    """A bearer link is not a login: on Odoo's payment pages (the invoice's portal page and
    ``/invoice/transaction/<id>``, ``/payment/pay``, a sale order's) as on ours, a saved card is
    offered and charged only to its owner, logged in. Odoo charges the tokens of the document's
    customer to anyone holding its portal link; the listing side is
    ``payment.token._get_available_tokens``."""

    def _create_transaction(
        self,
        provider_id,
        payment_method_id,
        token_id,
        amount,
        currency_id,
        partner_id,
        flow,
        tokenization_requested,
        landing_route,
        *args,
        **kwargs,
    ):
        if flow == "token":
            self._payment_link_check_token_owner(token_id)
        return super()._create_transaction(
            provider_id,
            payment_method_id,
            token_id,
            amount,
            currency_id,
            partner_id,
            flow,
            tokenization_requested,
            landing_route,
            *args,
            **kwargs,
        )

    @staticmethod
    def _payment_link_check_token_owner(token_id):
        """Refuse a payment by saved card unless the logged-in user owns the card (their
        commercial partner's)."""
        user = request.env.user
        token_sudo = request.env["payment.token"].sudo().browse(token_id).exists()
        if (
            user._is_public()
            or not token_sudo
            or token_sudo.partner_id.commercial_partner_id != user.partner_id.commercial_partner_id
        ):
            raise AccessError(
                request.env._("A saved card can only be used by its owner, logged in.")
            )
