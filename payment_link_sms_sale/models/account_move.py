# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        # An order paid through its invoices stops its live links.
        res = super()._invoice_paid_hook()
        self.sudo().line_ids.sale_line_ids.order_id._order_link_sync_paid()
        return res
