# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError

from ..const import QUOTATION_STATES


class PaymentLinkSend(models.TransientModel):
    _inherit = "payment.link.send"

    confirm_orders = fields.Boolean(
        string="Confirm The Quotations",
        help="Confirm the selected quotations, then send their payment links, in one step.",
    )

    def _confirms(self, document):
        """Whether this composer confirms ``document`` (a quotation) before sending: only
        the orders' *Confirm & Send* opens it with ``confirm_orders``."""
        return bool(self[:1].confirm_orders) and hasattr(document, "_order_link_refusal")

    # Refusals, amounts and previews as they will be once the quotations are confirmed.

    def _document_refusal(self, document):
        if self._confirms(document):
            return document._order_link_refusal(offer=False)
        return super()._document_refusal(document)

    def _preview_link(self, document):
        link, urls = super()._preview_link(document)
        if self._confirms(document):
            validity = timedelta(days=document.company_id.payment_link_validity_days)
            link.amount = document._order_link_amount_due(offer=False)
            link.expiration_date = document._order_link_expiration_date(
                fields.Datetime.now() + validity, offer=False
            )
        return link, urls

    def _action_send(self, replace):
        """Confirm the quotations first when asked; all or nothing: when a link cannot be sent,
        no quotation is confirmed and nothing is sent."""
        self.ensure_one()
        if not self.confirm_orders:
            return super()._action_send(replace)
        documents = self._get_documents()
        refusals = [
            reason for reason in (self._document_refusal(order) for order in documents) if reason
        ]
        if refusals:
            raise UserError("\n".join(refusals))
        documents.filtered(lambda order: order.state in QUOTATION_STATES).action_confirm()
        action = super()._action_send(replace)
        refused = action.get("params", {}).get("refused")
        if refused:
            # Raising rolls back the confirmations and the links sent to the other orders.
            raise UserError(
                self.env._("Nothing was confirmed nor sent, because of:\n%s", "\n".join(refused))
            )
        return action

    def _payment_link_use_background(self):
        # Confirming then sending is all or nothing: it stays in one request.
        if self.confirm_orders:
            return False
        return super()._payment_link_use_background()
