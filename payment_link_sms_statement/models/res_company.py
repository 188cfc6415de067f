# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    payment_link_statement_allow_choice = fields.Boolean(
        string="Customers Choose the Invoices of a Statement",
        default=True,
        help="On a statement link, the customer may pay only some of their open invoices.",
    )
