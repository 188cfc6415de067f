# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    payment_link_in_body = fields.Boolean(
        string="Carries a Payment Link",
        help="The body has a payment link (object._payment_link_mail_url()): sending an invoice "
        "with this template makes its link live before the invoice PDF is rendered, so that "
        "the PDF and the email carry the same link.",
    )
