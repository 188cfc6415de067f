# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_post_hook(self, data):
        # A reversal (credit note) reconciles the invoice without "paying" it: its live links
        # must stop too. Paid invoices go through `_invoice_paid_hook`.
        res = super()._reconcile_post_hook(data)
        invoices = self.move_id.filtered(
            lambda move: move.move_type == "out_invoice" and move.payment_link_ids
        )
        invoices.sudo()._paylink_sync_paid()
        return res
