# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import WEBHOOK_SECRET, StripeLinkCommon

CONTROLLER_LOGGER = "odoo.addons.payment_link_sms_stripe.controllers.main"


@tagged("post_install", "-at_install")
class TestStripeWebhookSecurity(StripeLinkCommon):
    """Events about link payments are processed only when Stripe provably sent them just now."""

    def setUp(self):
        super().setUp()
        self.tx = self.start_stripe_payment()
        self.customer_confirms(self.tx)
        self.body = self.encode(self.make_event(self.tx))

    def test_signed_event_confirms_the_link_payment(self):
        response = self.post_event(self.body)
        self.assertEqual(response.status_code, 200)
        self.assertPaidOnce(self.tx)

    def test_any_matching_signature_is_accepted_while_a_secret_is_rolled(self):
        timestamp = int(time.time())
        good = self.sign(self.body, timestamp=timestamp).split(",")[1]
        old = self.sign(self.body, secret="whsec_old", timestamp=timestamp).split(",")[1]
        header = f"t={timestamp},{old},{good},v0={'0' * 64}"
        self.assertEqual(self.post_event(self.body, signature=header).status_code, 200)
        self.assertPaidOnce(self.tx)

    @mute_logger(CONTROLLER_LOGGER)
    def test_missing_or_malformed_signature_header_is_a_400(self):
        timestamp, signature = self.sign(self.body).split(",")
        for name, header in {
            "missing": False,
            "empty": "",
            "garbage": "garbage",
            "no signature": timestamp,
            "no timestamp": signature,
            "timestamp not a number": f"t=abc,{signature}",
            "timestamp twice": f"{timestamp},{timestamp},{signature}",
            "signature not hexadecimal": f"{timestamp},v1={'z' * 64}",
            "signature truncated": f"{timestamp},{signature[:-1]}",
            "entry without '='": f"{timestamp},{signature.replace('=', '')}",
            "empty key": f"{timestamp},={signature}",
            "only a v0 signature": f"{timestamp},{signature.replace('v1', 'v0')}",
            "not ASCII": f"t=\u00e9\u00e9,{signature}",
        }.items():
            with self.subTest(header=name):
                response = self.post_event(self.body, signature=header)
                self.assertEqual(response.status_code, 400)
        self.assertNothingProcessed(self.tx)

    @mute_logger(CONTROLLER_LOGGER)
    def test_bad_signature_or_altered_body_is_a_403(self):
        timestamp = int(time.time())
        altered = bytearray(self.body)
        digit = self.body.index(b'"amount": ') + len(b'"amount": ')
        altered[digit] = ord("9") if altered[digit] != ord("9") else ord("8")
        signature_of_another_time = self.sign(self.body, timestamp=timestamp - 1).split(",")[1]
        for name, (body, header) in {
            "another secret": (self.body, self.sign(self.body, secret="whsec_attacker")),
            "body altered by one byte": (bytes(altered), self.sign(self.body)),
            "timestamp changed": (self.body, f"t={timestamp},{signature_of_another_time}"),
        }.items():
            with self.subTest(case=name):
                self.assertEqual(len(body), len(self.body))
                response = self.post_event(body, signature=header)
                self.assertEqual(response.status_code, 403)
        self.assertNothingProcessed(self.tx)

    @mute_logger(CONTROLLER_LOGGER)
    def test_stale_or_future_timestamp_is_a_403(self):
        now = int(time.time())
        # Correctly signed, at the wrong time (the margins absorb the test's own duration).
        for name, timestamp in {
            "301 s old": now - 301,
            "an hour old": now - 3600,
            "310 s ahead": now + 310,
            "a day ahead": now + 86400,
        }.items():
            with self.subTest(timestamp=name):
                response = self.post_event(self.body, timestamp=timestamp)
                self.assertEqual(response.status_code, 403)
        self.assertNothingProcessed(self.tx)
        # Within the tolerance, in both directions (clock skew): accepted.
        self.assertEqual(self.post_event(self.body, timestamp=now - 290).status_code, 200)
        self.assertEqual(self.post_event(self.body, timestamp=now + 290).status_code, 200)
        self.assertPaidOnce(self.tx)

    @mute_logger(CONTROLLER_LOGGER)
    def test_link_event_is_refused_while_the_provider_has_no_webhook_secret(self):
        self.stripe_provider.stripe_webhook_secret = False
        # Stripe signs with the endpoint's secret even if it was never copied into Odoo.
        response = self.post_event(self.body)
        self.assertEqual(response.status_code, 403)
        self.assertNothingProcessed(self.tx)
        self.assertEqual(self.post_event(self.body, signature=False).status_code, 400)
        self.assertNothingProcessed(self.tx)
        # Once the secret is set, Stripe's next retry of the same event goes through.
        self.stripe_provider.stripe_webhook_secret = WEBHOOK_SECRET
        self.assertEqual(self.post_event(self.body).status_code, 200)
        self.assertPaidOnce(self.tx)

    @mute_logger(CONTROLLER_LOGGER)
    def test_refund_event_of_a_link_payment_needs_the_secret_too(self):
        self.assertEqual(self.post_event(self.body).status_code, 200)
        self.stripe_provider.stripe_webhook_secret = False
        refund = {
            "id": "re_link0001",
            "object": "refund",
            "amount": 123456,
            "charge": "ch_link0001",
            "payment_intent": self.tx.provider_reference,
            "status": "succeeded",
        }
        event = {
            "id": "evt_refund",
            "type": "charge.refunded",
            "data": {
                "object": {
                    "id": "ch_link0001",
                    "object": "charge",
                    "description": self.tx.reference,
                    "refunds": {"object": "list", "data": [refund], "has_more": False},
                }
            },
        }
        self.assertEqual(self.post_event(event).status_code, 403)
        self.assertFalse(self.tx.child_transaction_ids, "no refund recorded")

    @mute_logger(CONTROLLER_LOGGER, "odoo.addons.payment_stripe.controllers.main")
    def test_unreadable_requests_are_a_400_never_a_500(self):
        event = self.make_event(self.tx)
        for name, body in {
            "not JSON": b"{not json",
            "a JSON list": b"[]",
            "a JSON string": b'"payment_intent.succeeded"',
            "no data": json.dumps({"type": event["type"]}).encode(),
            "object not an object": json.dumps(
                {"type": event["type"], "data": {"object": []}}
            ).encode(),
            "object without id": json.dumps(
                {"type": event["type"], "data": {"object": {"description": self.tx.reference}}}
            ).encode(),
        }.items():
            with self.subTest(body=name):
                response = self.post_event(body)
                self.assertEqual(response.status_code, 400)
        self.assertNothingProcessed(self.tx)
        # What Odoo acknowledges without processing stays acknowledged.
        unhandled = dict(event, type="customer.created")
        self.assertEqual(self.post_event(unhandled).status_code, 200)
        self.assertNothingProcessed(self.tx)


@tagged("post_install", "-at_install")
class TestStripeWebhookOutsideLinks(StripeLinkCommon):
    """Transactions that are not link payments keep Odoo's verification, minus its 500s."""

    def setUp(self):
        super().setUp()
        self.tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.stripe_provider.id,
                    "payment_method_id": self.card.id,
                    "reference": "SHOP-0001",
                    "amount": 10.0,
                    "currency_id": self.invoice.currency_id.id,
                    "partner_id": self.customer_en.id,
                    "operation": "online_direct",
                }
            )
        )
        self.event = {
            "id": "evt_shop",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": "pi_shop0001",
                    "object": "payment_intent",
                    "description": "SHOP-0001",
                    "status": "succeeded",
                    "payment_method": "pm_shop0001",
                }
            },
        }

    @mute_logger(CONTROLLER_LOGGER)
    def test_missing_or_malformed_header_is_a_400_instead_of_a_500(self):
        for name, header in {
            "missing": False,
            "malformed": "garbage",
            "timestamp not a number": "t=x",
        }.items():
            with self.subTest(header=name):
                self.assertEqual(self.post_event(self.event, signature=header).status_code, 400)
        self.assertEqual(self.tx.state, "draft")
        self.assertEqual(self.post_event(self.event).status_code, 200)
        self.assertEqual(self.tx.state, "done")

    @mute_logger(CONTROLLER_LOGGER)
    def test_body_that_is_not_utf8_is_a_400_instead_of_a_500(self):
        body = self.encode(self.event).replace(b"pm_shop0001", b"pm_shop\xff001")
        self.assertEqual(self.post_event(body).status_code, 400)
        self.assertEqual(self.tx.state, "draft")

    @mute_logger("odoo.addons.payment_stripe.controllers.main")
    def test_without_secret_odoo_still_processes_the_event(self):
        self.stripe_provider.stripe_webhook_secret = False
        self.assertEqual(self.post_event(self.event, signature=False).status_code, 200)
        self.assertEqual(self.tx.state, "done")
