# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..const import PAGE_STATE_AMOUNT_CHANGED


class PaymentLink(models.Model):
    _inherit = "payment.link"

    sale_order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Sales Order",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    sale_amount_changed = fields.Boolean(
        string="Cancelled For An Amount Change",
        readonly=True,
        copy=False,
        help="The order's amount changed after the link was sent: the link was cancelled and "
        "the customer who opens it is told to use the newer link.",
    )

    def _refresh_page_state(self):
        page_state = super()._refresh_page_state()
        if page_state == "cancelled" and self.sale_amount_changed:
            return PAGE_STATE_AMOUNT_CHANGED
        return page_state

    def _get_page_message(self, page_state):
        if page_state == PAGE_STATE_AMOUNT_CHANGED:
            return self.env._(
                "The amount of %s changed after this link was sent, so this link was replaced: "
                "please use the link of the latest message you received, or contact us.",
                self.document_name,
            )
        return super()._get_page_message(page_state)
