# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_consent_text = fields.Text(related="company_id.payment_consent_text", readonly=False)
    payment_consent_version = fields.Integer(related="company_id.payment_consent_version")
    payment_link_save_card = fields.Selection(
        related="company_id.payment_link_save_card", readonly=False
    )
    payment_consent_required = fields.Boolean(
        related="company_id.payment_consent_required", readonly=False
    )
    payment_consent_register_payment = fields.Boolean(
        related="company_id.payment_consent_register_payment", readonly=False
    )
    payment_card_request_reuse_templates = fields.Boolean(
        related="company_id.payment_card_request_reuse_templates", readonly=False
    )
    payment_card_request_sms_template_id = fields.Many2one(
        related="company_id.payment_card_request_sms_template_id", readonly=False
    )
    payment_card_request_mail_template_id = fields.Many2one(
        related="company_id.payment_card_request_mail_template_id", readonly=False
    )
