# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _set_done(self, state_message=None, extra_allowed_states=()):
        # The customer's choice was for this payment: once it is confirmed, what is left is
        # every open invoice again (the link stays live for the rest).
        links = self.payment_link_id.filtered(
            lambda link: link.res_model == "payment.link.statement"
        )
        statements = self.env["payment.link.statement"].sudo().browse(links.mapped("res_id"))
        statements.exists().filtered("chosen_invoice_ids").chosen_invoice_ids = [(5, 0, 0)]
        return super()._set_done(
            state_message=state_message, extra_allowed_states=extra_allowed_states
        )
