# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class PaymentLinkSend(models.TransientModel):
    """The composer of payment links: the sender may record the customer's consent to save the
    card paid with."""

    _inherit = "payment.link.send"

    save_card_available = fields.Boolean(compute="_compute_save_card_available")
    save_card_consent = fields.Boolean(
        string="I have the customer's consent to save the payment method",
        help="The customer agreed, in person or on the phone, that the card they pay with is "
        "saved for future payments: the payment page then saves it, and the consent is "
        "recorded in your name once it is saved.",
    )
    save_card_consent_method = fields.Selection(
        selection=lambda self: (
            self.env["payment.link"]
            ._fields["save_card_consent_method"]
            ._description_selection(self.env)
        ),
        string="Consent Given",
        default="phone",
    )

    @api.depends("res_model", "res_ids")
    def _compute_save_card_available(self):
        for wizard in self:
            documents = wizard._get_documents()
            wizard.save_card_available = (
                len(documents) == 1 and not documents._payment_link_is_validation()
            )

    def _send_options(self):
        options = super()._send_options()
        if self.save_card_consent and self.save_card_available:
            # Checked by the sending service (payment.link.send.service._check_save_card_consent).
            options["save_card_consent"] = self.save_card_consent_method or "phone"
        return options
