# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import time

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import http
from odoo.http import request

from odoo.addons.payment_stripe import utils as stripe_utils
from odoo.addons.payment_stripe.const import HANDLED_WEBHOOK_EVENTS
from odoo.addons.payment_stripe.controllers.main import StripeController

from .. import const, utils

_logger = logging.getLogger(__name__)


class PaymentLinkStripeController(StripeController):
    """Odoo's Stripe webhook, with strictly verified events for payment links."""

    @http.route()
    def stripe_webhook(self):
        """Override of `payment_stripe` to answer 400 to a request it cannot read.

        Odoo answers 500 to a body that is not a Stripe event or to a malformed
        ``Stripe-Signature`` header: a client error, not a server one. The exception, rather than
        a returned response, makes sure that nothing written meanwhile is committed.
        """
        reason = self._payment_link_unreadable_reason()
        if reason:
            _logger.warning("refused an unreadable Stripe webhook request (%s)", reason)
            raise BadRequest()
        return super().stripe_webhook()

    @staticmethod
    def _payment_link_unreadable_reason():
        """Why Odoo's webhook could not read the request's body (it would answer 500), or
        None: not JSON (nor UTF-8), not an event, or a handled event without its object."""
        try:
            event = json.loads(request.httprequest.get_data())
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
            return f"not JSON: {error}"
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "not a Stripe event"
        if event["type"] not in HANDLED_WEBHOOK_EVENTS:
            return None  # acknowledged by Odoo without being read
        data = event.get("data")
        stripe_object = data.get("object") if isinstance(data, dict) else None
        if not isinstance(stripe_object, dict) or not isinstance(stripe_object.get("id"), str):
            return "no event object"
        return None

    def _verify_notification_signature(self, tx_sudo):
        """Override of `payment_stripe` to verify strictly the events of link payments.

        For a link payment (or its refund), the event must carry a well-formed signature header
        (else 400), the provider must have a webhook signing secret, the timestamp must be
        within ``const.WEBHOOK_TOLERANCE_SECONDS`` of our clock in both directions, and one of
        the signatures must match the body as received (else 403). Other transactions keep
        Odoo's verification.

        :param payment.transaction tx_sudo: The transaction the event is about.
        :raise BadRequest: When the signature header is missing or malformed.
        :raise Forbidden: When the event cannot be authenticated.
        """
        if not tx_sudo._payment_link_get_link():
            try:
                return super()._verify_notification_signature(tx_sudo)
            except (KeyError, ValueError) as error:
                # Odoo's parsing of a missing or malformed Stripe-Signature header.
                _logger.warning("refused Stripe event with an unreadable signature: %r", error)
                raise BadRequest() from None
        reference = tx_sudo.reference
        try:
            timestamp, signatures = utils.parse_signature_header(
                request.httprequest.headers.get(const.SIGNATURE_HEADER)
            )
        except ValueError as error:
            _logger.warning("refused Stripe event for transaction %s: %s", reference, error)
            raise BadRequest() from None
        webhook_secret = stripe_utils.get_webhook_secret(tx_sudo.provider_id)
        if not webhook_secret:
            # Without a secret nothing proves that Stripe sent the event. Refused rather than
            # acknowledged: Stripe keeps retrying (for 3 days) and flags the endpoint, so the
            # event is processed once the secret is set, and the return route still confirms
            # the payment meanwhile, from Stripe's API.
            _logger.warning(
                "refused Stripe event for payment link transaction %s: provider %s has no "
                "webhook signing secret",
                reference,
                tx_sudo.provider_id.name,
            )
            raise Forbidden()
        if not utils.is_timestamp_fresh(timestamp, time.time(), const.WEBHOOK_TOLERANCE_SECONDS):
            _logger.warning(
                "refused Stripe event for transaction %s: timestamp %s out of tolerance",
                reference,
                timestamp,
            )
            raise Forbidden()
        payload = request.httprequest.get_data()
        if not utils.signature_matches(webhook_secret, timestamp, payload, signatures):
            _logger.warning("refused Stripe event for transaction %s: bad signature", reference)
            raise Forbidden()
