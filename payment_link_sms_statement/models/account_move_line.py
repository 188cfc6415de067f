# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_post_hook(self, data):
        # A credit note reverses the invoice without "paying" it: it leaves its statements.
        res = super()._reconcile_post_hook(data)
        self.move_id.filtered(
            lambda move: move.move_type == "out_invoice"
        )._payment_link_statements()._statement_refresh()
        return res
