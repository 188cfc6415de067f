# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    payment_consent_ids = fields.One2many(
        comodel_name="payment.consent",
        inverse_name="partner_id",
        string="Card Consents",
        readonly=True,
        groups="account.group_account_invoice,account.group_account_readonly",
    )
