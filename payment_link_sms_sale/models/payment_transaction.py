# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _set_done(self, state_message=None, **kwargs):
        # A link's own payment marks it paid (payment_link_sms); a payment made elsewhere (the
        # sale portal, another link) that pays the order in full stops its live links.
        txs = super()._set_done(state_message=state_message, **kwargs)
        payments = txs.filtered(lambda tx: tx.operation != "refund")
        payments.sudo().sale_order_ids._order_link_sync_paid()
        return txs
