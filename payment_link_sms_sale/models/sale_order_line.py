# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class SaleOrderLine(models.Model):
    """Lines changed directly (not through their order's form) change the order's amount too:
    the live payment links of the order are checked after each change."""

    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["sale.order"].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        snapshot = orders._order_link_amount_snapshot()
        lines = super().create(vals_list)
        orders._order_link_cancel_changed_amounts(snapshot)
        return lines

    def write(self, vals):
        orders = self.order_id
        if vals.get("order_id"):
            orders |= orders.browse(vals["order_id"])
        snapshot = orders._order_link_amount_snapshot()
        res = super().write(vals)
        orders._order_link_cancel_changed_amounts(snapshot)
        return res

    def unlink(self):
        orders = self.order_id
        snapshot = orders._order_link_amount_snapshot()
        res = super().unlink()
        orders._order_link_cancel_changed_amounts(snapshot)
        return res
