# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

from ..const import CONFIRM_CONTEXT_KEY, QUOTATION_STATES


class PaymentLinkSend(models.TransientModel):
    _inherit = "payment.link.send"

    confirm_orders = fields.Boolean(
        string="Confirm The Quotations",
        help="Confirm the selected quotations, then send their payment links, in one step.",
    )

    def _get_documents(self):
        documents = super()._get_documents()
        if self.confirm_orders and documents._name == "sale.order":
            # Amounts, refusals and previews as they will be once the quotations are confirmed.
            documents = documents.with_context(**{CONFIRM_CONTEXT_KEY: True})
        return documents

    def _action_send(self, replace):
        """Confirm the quotations first when asked; all or nothing: when a link cannot be sent,
        no quotation is confirmed and nothing is sent."""
        self.ensure_one()
        if not self.confirm_orders or self.res_model != "sale.order":
            return super()._action_send(replace)
        documents = self._get_documents()
        refusals = [
            reason for reason in (order._payment_link_refusal() for order in documents) if reason
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
        if self.confirm_orders and self.res_model == "sale.order":
            return False
        return super()._payment_link_use_background()
