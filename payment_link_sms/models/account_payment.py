# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def action_post(self):
        # Odoo's own Register Payment with a saved card charges it off-session here: the same
        # rule as Charge card on file (the customer's recorded consent, when required).
        for payment in self.filtered(lambda p: p.payment_token_id and not p.payment_transaction_id):
            payment.payment_token_id._payment_link_check_consent(payment.company_id)
        return super().action_post()
