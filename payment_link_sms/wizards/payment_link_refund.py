# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class PaymentLinkRefund(models.TransientModel):
    """Refund a paid link, all or part, with a reason (see ``payment.link.action_refund``)."""

    _name = "payment.link.refund"
    _description = "Refund a Payment Link"

    link_id = fields.Many2one(comodel_name="payment.link", required=True, readonly=True)
    currency_id = fields.Many2one(related="link_id.currency_id")
    amount_paid = fields.Monetary(related="link_id.amount_paid")
    amount_refunded = fields.Monetary(related="link_id.amount_refunded")
    amount_refundable = fields.Monetary(related="link_id.amount_refundable")
    amount = fields.Monetary(
        string="Amount To Refund",
        compute="_compute_amount",
        store=True,
        readonly=False,
        required=True,
    )
    reason = fields.Char(required=True, help="Why the customer is refunded (audited).")

    @api.depends("link_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.link_id.amount_refundable

    def action_refund(self):
        self.ensure_one()
        self.link_id.action_refund(amount=self.amount, reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
