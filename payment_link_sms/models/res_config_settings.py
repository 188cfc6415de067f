# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_link_validity_days = fields.Integer(
        related="company_id.payment_link_validity_days", readonly=False
    )
    payment_link_default_channel = fields.Selection(
        related="company_id.payment_link_default_channel", readonly=False
    )
    payment_link_allow_partial = fields.Boolean(
        related="company_id.payment_link_allow_partial", readonly=False
    )
    payment_link_allow_test_providers = fields.Boolean(
        related="company_id.payment_link_allow_test_providers", readonly=False
    )
    payment_link_show_logo = fields.Boolean(
        related="company_id.payment_link_show_logo", readonly=False
    )
    payment_link_legal_url = fields.Char(
        related="company_id.payment_link_legal_url", readonly=False
    )
    payment_link_privacy_url = fields.Char(
        related="company_id.payment_link_privacy_url", readonly=False
    )
    payment_link_accessibility_statement = fields.Text(
        related="company_id.payment_link_accessibility_statement", readonly=False
    )
    payment_link_notify_salesperson = fields.Boolean(
        related="company_id.payment_link_notify_salesperson", readonly=False
    )
    payment_link_send_receipt = fields.Boolean(
        related="company_id.payment_link_send_receipt", readonly=False
    )
    payment_link_charge_notice = fields.Boolean(
        related="company_id.payment_link_charge_notice", readonly=False
    )
    payment_link_notify_sender = fields.Boolean(
        related="company_id.payment_link_notify_sender", readonly=False
    )
    payment_link_notify_user_ids = fields.Many2many(
        related="company_id.payment_link_notify_user_ids", readonly=False
    )
    payment_link_on_invoice_pdf = fields.Boolean(
        related="company_id.payment_link_on_invoice_pdf", readonly=False
    )
    payment_link_reminder_days = fields.Integer(
        related="company_id.payment_link_reminder_days", readonly=False
    )
