# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError

from .. import const


class PaymentLinkSendService(models.AbstractModel):
    """Sending with the sender's recorded consent to save the card paid with (the composer's
    ``save_card_consent``): checked here, kept on the new link (``save_card_consent_method``)."""

    _inherit = "payment.link.send.service"

    @api.model
    def _check_save_card_consent(self, method):
        self.env["payment.link"]._ensure_card_consent_rights()
        if method not in const.STAFF_CONSENT_METHODS:
            raise UserError(self.env._("A consent is given in person or on the phone."))

    @api.model
    def _prepare_link_values(self, plan, channel, token, now, save_card_consent=False):
        values = super()._prepare_link_values(
            plan, channel, token, now, save_card_consent=save_card_consent
        )
        values["save_card_consent_method"] = save_card_consent or False
        return values
