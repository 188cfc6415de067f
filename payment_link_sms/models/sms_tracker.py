# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .. import const, utils


class SmsTracker(models.Model):
    """Follow the SMS of a payment link from the provider's answers and delivery reports."""

    _inherit = "sms.tracker"

    payment_link_id = fields.Many2one(
        comodel_name="payment.link", index="btree_not_null", ondelete="cascade"
    )

    def _action_update_from_provider_error(self, provider_error):
        error_status, failure_type, failure_reason = super()._action_update_from_provider_error(
            provider_error
        )
        self._payment_link_update("error", failure_type=failure_type, reason=failure_reason)
        return error_status, failure_type, failure_reason

    def _action_update_from_sms_state(self, sms_state, failure_type=False, failure_reason=False):
        res = super()._action_update_from_sms_state(
            sms_state, failure_type=failure_type, failure_reason=failure_reason
        )
        self._payment_link_update(sms_state, failure_type=failure_type, reason=failure_reason)
        return res

    def _payment_link_plain_reason(self, failure_type, reason=False):
        """Why an SMS did not arrive, in the words of the person who sent it (translated)."""
        _ = self.env._
        plain = {
            "sms_server": _("SMS service unreachable"),
            "unknown": _("SMS service unreachable"),
            "sms_credit": _("no SMS credit left"),
            "sms_acc": _("SMS account not registered"),
            "sms_number_missing": _("no mobile number"),
            "sms_number_format": _("number not valid"),
            "sms_invalid_destination": _("number unreachable"),
            "sms_not_delivered": _("number unreachable"),
            "sms_expired": _("number unreachable"),
            "sms_country_not_supported": _("country not served by the SMS service"),
            "sms_registration_needed": _("SMS registration needed for this country"),
            "sms_blacklist": _("the customer opted out of SMS"),
            "sms_optout": _("the customer opted out of SMS"),
            "sms_rejected": _("refused by the SMS service"),
            "sms_not_allowed": _("refused by the SMS service"),
        }
        return plain.get(failure_type) or reason or _("SMS service unreachable")

    def _payment_link_update(self, sms_state, failure_type=False, reason=False):
        links = self.sudo().payment_link_id
        delivery = const.SMS_STATE_TO_DELIVERY.get(sms_state)
        if not links or not delivery:
            return
        if delivery == "failed":
            reason = self._payment_link_plain_reason(failure_type, reason)
        self.env["payment.link.event"]._update_delivery_from_outbox(
            links, "sms", delivery, reason=reason or False
        )
        # Any answer of the provider (processing included) means it has the message now: the
        # outbox copy must not hold a working link, whatever its state.
        sms_sudo = (
            self.env["sms.sms"]
            .sudo()
            .search([("uuid", "in", self.filtered("payment_link_id").mapped("sms_uuid"))])
        )
        for sms in sms_sudo:
            sms.body = utils.mask_link_urls(sms.body)
