# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_link_statement_allow_choice = fields.Boolean(
        related="company_id.payment_link_statement_allow_choice", readonly=False
    )
