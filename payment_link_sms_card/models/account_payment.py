# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def action_post(self):
        # Odoo's own Register Payment with a saved card charges it off-session here. By default
        # Odoo's rule applies (cards saved through Odoo's own checkbox, or before this module
        # was installed, can be charged); a company may extend the consent rule of Charge card
        # on file to it (payment_consent_register_payment).
        for payment in self.filtered(
            lambda p: (
                p.payment_token_id
                and not p.payment_transaction_id
                and p.company_id.payment_consent_register_payment
            )
        ):
            payment.payment_token_id._payment_link_check_consent(payment.company_id)
        return super().action_post()
