# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

import requests

from odoo import fields, models
from odoo.exceptions import ValidationError

from .. import const

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    payment_link_failure_codes = fields.Char(
        string="Stripe Failure Codes",
        readonly=True,
        copy=False,
        help="Stripe's decline code and error code of the link payment's last error, most "
        "precise first (comma-separated): they say why it failed.",
    )

    def _stripe_create_intent(self):
        """Override of `payment_stripe` to remember at once which PaymentIntent a link payment
        uses, so that it can be cancelled when a newer attempt replaces it, and so that data
        about any other PaymentIntent is refused."""
        intent = super()._stripe_create_intent()
        if self.payment_link_id and self.operation != "validation" and (intent or {}).get("id"):
            self.provider_reference = intent["id"]
        if self.payment_link_id.kind == "card_on_file" and self._payment_link_stripe_asks_3ds(
            intent
        ):
            self.payment_link_authentication_required = True
        return intent

    @staticmethod
    def _payment_link_stripe_asks_3ds(intent):
        """Whether Stripe answered an off-session PaymentIntent that the customer must
        authenticate it: status ``requires_action``, or the ``authentication_required`` error
        (Stripe's answer to an off-session confirmation that needs 3-D Secure)."""
        if not isinstance(intent, dict):
            return False
        error = intent.get("last_payment_error") or {}
        return intent.get("status") == "requires_action" or "authentication_required" in (
            error.get("code"),
            error.get("decline_code"),
        )

    def _process_notification_data(self, notification_data):
        """Override of `payment_stripe` to refuse, for a link payment, data about a PaymentIntent
        that is not the one created for it.

        Odoo's return route fetches the PaymentIntent named in its URL, which the customer's
        browser controls: without this check, the id of a small payment that succeeded elsewhere
        would confirm the link's payment.
        """
        if self.provider_code == "stripe" and self.payment_link_id:
            intent = notification_data.get("payment_intent")
            self._payment_link_validate_stripe_intent(intent)
            if isinstance(intent, dict):
                # Why it failed, from Stripe's codes (more precise than its message), and the
                # customer's bank asking for 3-D Secure: steps of the agent's live view.
                error = intent.get("last_payment_error")
                error = error if isinstance(error, dict) else {}
                codes = tuple(
                    code for code in (error.get("decline_code"), error.get("code")) if code
                )
                if intent.get("status") == "requires_action":
                    self.payment_link_id._with_company_lang()._log_page_step("authentication")
                if ",".join(codes) != (self.payment_link_failure_codes or ""):
                    self.payment_link_failure_codes = ",".join(codes) or False
        return super()._process_notification_data(notification_data)

    def _payment_link_failure_kind(self):
        """Override of `payment_link_sms`: Stripe's codes say why, before its message."""
        for code in (self.payment_link_failure_codes or "").split(","):
            if code in const.FAILURE_CODES:
                return const.FAILURE_CODES[code]
        return super()._payment_link_failure_kind()

    def _payment_link_validate_stripe_intent(self, intent):
        """Make sure that ``intent`` is the PaymentIntent created for this transaction.

        :param dict intent: A PaymentIntent object from Stripe (anything else is not checked).
        :raise ValidationError: When it is another PaymentIntent.
        """
        self.ensure_one()
        if not isinstance(intent, dict):
            return
        if self.provider_reference:
            genuine = intent.get("id") == self.provider_reference
        else:  # Started before this module was installed: Odoo describes its intents by reference.
            genuine = intent.get("description") == self.reference
        if not genuine:
            _logger.warning(
                "ignored data of PaymentIntent %s for transaction %s (PaymentIntent %s)",
                intent.get("id"),
                self.reference,
                self.provider_reference,
            )
            raise ValidationError(  # pylint: disable=translation-required
                "Stripe: "  # the prefix of payment_stripe's own errors
                + self.env._(
                    "The payment %(intent)s does not belong to the transaction %(reference)s: "
                    "it was ignored.",
                    intent=intent.get("id"),
                    reference=self.reference,
                )
            )

    # === BUSINESS METHODS: one live PaymentIntent per link === #

    def _payment_link_replaceable(self):
        """Override of `payment_link_sms`: Stripe cancels a PaymentIntent never confirmed, and
        a failed one, which Stripe keeps open for another card (declined card, failed 3-D
        Secure). A Stripe attempt without PaymentIntent has nothing to cancel at Stripe."""
        cancellable = self.filtered(
            lambda tx: (
                tx.provider_code == "stripe"
                and tx.operation == "online_direct"
                and (tx.state == "draft" or (tx.state == "error" and tx._payment_link_has_intent()))
            )
        )
        return super()._payment_link_replaceable() | cancellable

    def _payment_link_abort(self, reason=None):
        """Override of `payment_link_sms` to cancel the PaymentIntents of the replaced attempts
        at Stripe before cancelling them here.

        :raise ValidationError: When a replaced attempt cannot be cancelled at Stripe: completed
                                by the customer in the meantime (it is left to finish), or Stripe
                                could not be reached. Nothing is cancelled then.
        """
        for tx in self.filtered(lambda tx: tx._payment_link_has_intent()):
            tx._payment_link_cancel_stripe_intent()
        return super()._payment_link_abort(reason=reason)

    def _payment_link_has_intent(self):
        """Whether this attempt has a PaymentIntent at Stripe that a link payment could use."""
        self.ensure_one()
        return (
            self.provider_code == "stripe"
            and self.operation == "online_direct"
            and bool(self.provider_reference)
        )

    def _payment_link_cancel_stripe_intent(self):
        """Cancel this attempt's PaymentIntent at Stripe, so that it can never be charged.

        :raise ValidationError: When Stripe says the PaymentIntent succeeded or is processing, or
                                when the cancellation cannot be confirmed.
        """
        self.ensure_one()
        intent_id = self.provider_reference
        try:
            response = self.provider_id._stripe_make_request(
                f"payment_intents/{intent_id}/cancel",
                payload={"cancellation_reason": const.INTENT_CANCELLATION_REASON},
                # Receive Stripe's refusal (a completed intent) as data, not as an error.
                offline=True,
            )
        except (ValidationError, ValueError, requests.exceptions.RequestException) as error:
            _logger.warning(
                "could not cancel PaymentIntent %s of transaction %s: %s",
                intent_id,
                self.reference,
                error,
            )
            raise ValidationError(self._payment_link_stripe_refusal(completed=False)) from None
        error = response.get("error") or {}
        intent = (error.get("payment_intent") or {}) if error else response
        status = intent.get("status")
        if status == "canceled" or error.get("code") in const.INTENT_GONE_ERROR_CODES:
            _logger.info(
                "PaymentIntent %s of replaced transaction %s cancelled at Stripe",
                intent_id,
                self.reference,
            )
            return
        if status in const.INTENT_COMPLETED_STATUSES:
            _logger.info(
                "PaymentIntent %s of transaction %s is %s at Stripe: new attempt refused",
                intent_id,
                self.reference,
                status,
            )
            raise ValidationError(self._payment_link_stripe_refusal(completed=True))
        _logger.warning(
            "Stripe did not cancel PaymentIntent %s of transaction %s: %s",
            intent_id,
            self.reference,
            error.get("message") or status,
        )
        raise ValidationError(self._payment_link_stripe_refusal(completed=False))

    def _payment_link_stripe_refusal(self, completed):
        """Why a new attempt is refused, in the link's language (the pay page shows it).

        :param bool completed: Whether this attempt was completed at Stripe (else its
                               cancellation could not be confirmed).
        """
        self.ensure_one()
        env = self.with_context(lang=self.payment_link_id.lang or self.env.lang).env
        if completed:
            return env._(
                "Your previous payment attempt (%s) was just confirmed by Stripe and is being "
                "recorded, so no new payment was started. Please wait a moment and reload the "
                "page.",
                self.reference,
            )
        return env._(
            "Your previous payment attempt (%s) could not be cancelled at Stripe, so no new "
            "payment was started: this makes sure that you are never charged twice. Please try "
            "again in a moment.",
            self.reference,
        )

    def _payment_link_get_link(self):
        """The payment link this transaction, or the payment it refunds, belongs to."""
        self.ensure_one()
        return self.payment_link_id or self.source_transaction_id.payment_link_id
