# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import json
import time

from odoo.exceptions import ValidationError

from odoo.addons.payment_link_sms.tests.common import PayPageCommon

WEBHOOK_URL = "/payment/stripe/webhook"
RETURN_URL = "/payment/stripe/return"
WEBHOOK_SECRET = "whsec_vG1fL6CMUouQ7cObF2VJprLVXT5jBLxB"


class FakeStripeApi:
    """Stripe's API as `payment.provider._stripe_make_request` (the one transport method) sees
    it, in memory: customers and PaymentIntents are created, fetched and cancelled as Stripe
    does, every call is recorded, and Stripe can be made unreachable."""

    CANCELLABLE = ("requires_payment_method", "requires_confirmation", "requires_action")

    def __init__(self):
        self.intents = {}
        self.calls = []
        self.unreachable = False
        self.next_error = None  # (code, message) answered to the next call

    def request(self, endpoint, payload=None, method="POST", offline=False):
        self.calls.append((method, endpoint))
        if self.unreachable:
            raise ValidationError("Stripe: Could not establish the connection to the API.")  # pylint: disable=translation-required
        if self.next_error:
            (code, message), self.next_error = self.next_error, None
            return self._error(offline, code, message)
        if endpoint == "customers":
            return {"id": "cus_link0001", "object": "customer"}
        if endpoint == "payment_intents" and method == "POST":
            return dict(self._create_intent(payload))
        _collection, intent_id, *action = endpoint.split("/")
        intent = self.intents.get(intent_id)
        if intent is None:
            return self._error(
                offline, "resource_missing", f"No such payment_intent: '{intent_id}'"
            )
        if action == ["cancel"] and method == "POST":
            if intent["status"] not in self.CANCELLABLE:
                return self._error(
                    offline,
                    "payment_intent_unexpected_state",
                    "You cannot cancel this PaymentIntent because it has a status of "
                    f"{intent['status']}.",
                    payment_intent=dict(intent),
                )
            intent.update(status="canceled", cancellation_reason=payload["cancellation_reason"])
            return dict(intent)
        if not action and method == "GET":
            return dict(intent, payment_method=self._payment_method())
        raise AssertionError(f"unexpected call to Stripe: {method} {endpoint}")

    def _create_intent(self, payload):
        intent_id = f"pi_link{len(self.intents) + 1:04d}"
        self.intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": payload["amount"],
            "currency": payload["currency"],
            "customer": payload["customer"],
            "description": payload["description"],
            "client_secret": f"{intent_id}_secret_test",
            "status": "requires_payment_method",
            "payment_method": None,
            "last_payment_error": None,
        }
        return self.intents[intent_id]

    @staticmethod
    def _payment_method():
        return {"id": "pm_link0001", "type": "card", "card": {"brand": "visa", "last4": "4242"}}

    @staticmethod
    def _error(offline, code, message, **details):
        if not offline:  # As the real transport method does for 4xx answers.
            raise ValidationError(f"Stripe: The communication with the API failed.\n{message}")  # pylint: disable=translation-required
        return {
            "error": {
                "type": "invalid_request_error",
                "code": code,
                "message": message,
                **details,
            }
        }

    def created_intents(self):
        return [call for call in self.calls if call == ("POST", "payment_intents")]

    def charging_calls(self):
        """Calls that create, confirm or capture a payment."""
        return [
            call
            for call in self.calls
            if call == ("POST", "payment_intents") or call[1].endswith(("/confirm", "/capture"))
        ]


class StripeLinkCommon(PayPageCommon):
    """A link sent for the invoice (see PayPageCommon), a Stripe provider for the company, and
    Stripe's API replaced by `FakeStripeApi`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.module.module"]._load_module_terms(
            ["payment_link_sms_stripe"], ["fr_FR", "nb_NO", "es_ES"]
        )
        cls.stripe_provider = cls._prepare_stripe_provider(cls.company)
        cls.card = cls.env.ref("payment.payment_method_card")

    @classmethod
    def _prepare_stripe_provider(cls, company):
        """The Stripe provider of ``company`` in test mode, as payment_stripe's tests set it."""
        Provider = cls.env["payment.provider"].sudo()
        provider = Provider.search(
            [("code", "=", "stripe"), ("company_id", "=", company.id)], limit=1
        ) or Provider.search([("code", "=", "stripe")], limit=1).copy({"company_id": company.id})
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "stripe_secret_key": "sk_test_KJtHgNwt2KS3xM7QJPr4O5E8",
                "stripe_publishable_key": "pk_test_QSPnimmb4ZhtkEy3Uhdm4S6J",
                "stripe_webhook_secret": WEBHOOK_SECRET,
            }
        )
        return provider

    def setUp(self):
        super().setUp()
        # The customer is French: the refusals on the page are checked in French.
        self.link.sudo().lang = "fr_FR"
        self.stripe_api = api = FakeStripeApi()

        def _stripe_make_request(
            provider, endpoint, payload=None, method="POST", offline=False, idempotency_key=None
        ):
            return api.request(endpoint, payload=payload, method=method, offline=offline)

        self.patch(type(self.env["payment.provider"]), "_stripe_make_request", _stripe_make_request)

    # === Customer side === #

    def start_payment(self, **params):
        """Start a card payment on the pay page, as Stripe's payment form does.

        :return: The JSON-RPC answer.
        """
        return self.pay_rpc(provider=self.stripe_provider, payment_method_id=self.card.id, **params)

    def start_stripe_payment(self):
        """Start a card payment that must be accepted; return its transaction."""
        answer = self.start_payment()
        self.assertIn("result", answer, answer.get("error"))
        return self.tx_of(answer["result"]["reference"])

    def tx_of(self, reference):
        return self.env["payment.transaction"].search([("reference", "=", reference)])

    def customer_confirms(self, tx, status="succeeded", **values):
        """What Stripe.js and the bank do: the PaymentIntent of ``tx`` reaches ``status``."""
        intent = self.stripe_api.intents[tx.provider_reference]
        intent.update(status=status, payment_method="pm_link0001", **values)
        return intent

    def return_from_stripe(self, tx, intent_id=None):
        """The customer's browser back from Stripe (3-D Secure) on Odoo's return route."""
        intent_id = intent_id or tx.provider_reference
        return self.url_open(
            f"{RETURN_URL}?reference={tx.reference}&payment_intent={intent_id}"
            f"&payment_intent_client_secret={intent_id}_secret_test",
            allow_redirects=False,
        )

    # === Stripe's webhook === #

    def make_event(self, tx, event_type="payment_intent.succeeded", **intent_values):
        """A Stripe event about the PaymentIntent of ``tx``, as its current state at Stripe."""
        intent = dict(self.stripe_api.intents[tx.provider_reference], **intent_values)
        return {
            "id": f"evt_{intent['id']}_{event_type.rsplit('.', 1)[1]}",
            "object": "event",
            "api_version": "2019-05-16",
            "created": int(time.time()),
            "type": event_type,
            "data": {"object": intent},
        }

    @staticmethod
    def sign(body, secret=WEBHOOK_SECRET, timestamp=None):
        """The Stripe-Signature header of ``body``, computed as Stripe does."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed_payload = f"{timestamp}.".encode() + body
        signature = hmac.new(secret.encode(), signed_payload, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={signature}"

    @staticmethod
    def encode(event):
        return json.dumps(event).encode() if isinstance(event, dict | list) else event

    def post_event(self, event, signature=None, **sign_values):
        """POST ``event`` (a dict, or raw bytes) to the webhook, signed unless ``signature``
        gives the header (False: no header)."""
        body = self.encode(event)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if signature is None:
            signature = self.sign(body, **sign_values)
        if signature is not False:
            headers["Stripe-Signature"] = signature
        return self.url_open(WEBHOOK_URL, data=body, headers=headers)

    # === Assertions === #

    def paid_notes(self):
        return self.invoice.message_ids.filtered(
            lambda message: message.subject == f"Payment link {self.link.name} paid"
        )

    def paid_pop_ups(self):
        title = f"Payment link {self.link.name} paid"
        return self.env["bus.bus"].sudo().search([("message", "like", title)])

    def link_events(self, event_type):
        return self.link.event_ids.filtered(lambda event: event.event_type == event_type)

    def assertNothingProcessed(self, tx):
        self.env.invalidate_all()
        self.assertEqual(tx.state, "draft")
        self.assertIn(self.link.state, ("sent", "opened"))
        self.assertFalse(self.link.paid_transaction_id)
        self.assertFalse(self.link_events("paid") | self.link_events("payment_failed"))
        self.assertFalse(self.paid_notes() or self.paid_pop_ups())

    def assertPaidOnce(self, tx):
        # Stripe is answered first; the note and pop-ups follow from the queue, once however
        # often it runs.
        self.env["payment.link.notification"]._cron_notify()
        self.env["payment.link.notification"]._cron_notify()
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.link.paid_transaction_id, tx)
        self.assertEqual(len(self.link_events("paid")), 1)
        self.assertEqual(len(self.paid_notes()), 1)
        users = self.link._get_notified_users()
        self.assertTrue(users)
        self.assertEqual(len(self.paid_pop_ups()), len(users), "one pop-up per notified user")
        self.assertEqual(self.link.transaction_ids.filtered(lambda t: t.state == "done"), tx)
