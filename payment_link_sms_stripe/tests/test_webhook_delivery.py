# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StripeLinkCommon

# Odoo's own warning when a late event would move a transaction backwards (it is refused).
STATE_LOGGER = "odoo.addons.payment.models.payment_transaction"


@tagged("post_install", "-at_install")
class TestStripeWebhookDelivery(StripeLinkCommon):
    """Stripe delivers events at least once, in any order, and the database may fail under
    them: the link is paid once, and never moves backwards."""

    def setUp(self):
        super().setUp()
        self.tx = self.start_stripe_payment()
        self.customer_confirms(self.tx)

    def payments(self):
        return self.env["account.payment"].search([("payment_transaction_id", "=", self.tx.id)])

    def failure_notes(self):
        return self.invoice.message_ids.filtered(
            lambda message: message.subject == f"Payment link {self.link.name} payment failed"
        )

    def test_duplicate_deliveries_pay_once(self):
        body = self.encode(self.make_event(self.tx))
        header = self.sign(body)
        delivered = 0
        for deliveries in (1, 5, 50):
            while delivered < deliveries:
                # Stripe's retries are signed again; past 5, an attacker replays a delivery.
                signature = header if delivered >= 5 else None
                self.assertEqual(self.post_event(body, signature=signature).status_code, 200)
                delivered += 1
            with self.subTest(deliveries=deliveries):
                self.assertPaidOnce(self.tx)
                self.assertEqual(len(self.link_events("payment_started")), 1)
        for _post_processing in range(2):  # the customer's page polls, the cron runs
            self.tx._post_process()
        self.assertEqual(len(self.payments()), 1)
        self.assertAlmostEqual(self.payments().amount, 1234.56)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.stripe_api.charging_calls(), [("POST", "payment_intents")])

    def test_success_event_before_the_customer_returns(self):
        self.assertEqual(self.post_event(self.make_event(self.tx)).status_code, 200)
        self.assertPaidOnce(self.tx)
        response = self.return_from_stripe(self.tx)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/payment/status"))
        self.assertPaidOnce(self.tx)

    def test_customer_returns_before_the_success_event(self):
        self.assertEqual(self.return_from_stripe(self.tx).status_code, 303)
        self.assertPaidOnce(self.tx)
        self.assertEqual(self.post_event(self.make_event(self.tx)).status_code, 200)
        self.assertPaidOnce(self.tx)

    @mute_logger(STATE_LOGGER)
    def test_processing_event_after_success_does_not_reopen_the_link(self):
        self.assertEqual(self.post_event(self.make_event(self.tx)).status_code, 200)
        late = self.make_event(self.tx, "payment_intent.processing", status="processing")
        self.assertEqual(self.post_event(late).status_code, 200)
        self.assertPaidOnce(self.tx)
        self.assertFalse(self.link_events("payment_pending"))

    @mute_logger(STATE_LOGGER)
    def test_failure_or_cancel_events_after_success_change_nothing(self):
        self.assertEqual(self.post_event(self.make_event(self.tx)).status_code, 200)
        failed = self.make_event(
            self.tx,
            "payment_intent.payment_failed",
            status="requires_payment_method",
            last_payment_error={"message": "Your card was declined."},
        )
        canceled = self.make_event(self.tx, "payment_intent.canceled", status="canceled")
        for event in (failed, canceled):
            with self.subTest(event=event["type"]):
                self.assertEqual(self.post_event(event).status_code, 200)
                self.assertPaidOnce(self.tx)
                self.assertFalse(self.link_events("payment_failed"))
                self.assertFalse(self.failure_notes())

    def test_processing_then_success_moves_forward(self):
        self.customer_confirms(self.tx, status="processing")
        processing = self.make_event(self.tx, "payment_intent.processing")
        self.assertEqual(self.post_event(processing).status_code, 200)
        self.assertEqual(self.tx.state, "pending")
        self.assertIn(self.link.state, ("sent", "opened"))
        self.assertEqual(len(self.link_events("payment_pending")), 1)
        self.customer_confirms(self.tx, status="succeeded")
        self.assertEqual(self.post_event(self.make_event(self.tx)).status_code, 200)
        self.assertPaidOnce(self.tx)

    def test_serialization_failure_after_success_never_charges_twice(self):
        """The database fails right after the payment was recorded: the whole request is rolled
        back and retried by Odoo, then Stripe delivers the event again."""
        TransactionModel = type(self.env["payment.transaction"])
        set_done = TransactionModel._set_done
        failures = []

        def set_done_then_fail(tx_self, *args, **kwargs):
            done = set_done(tx_self, *args, **kwargs)
            if not failures:
                failures.append(done.ids)
                # A genuine SQLSTATE 40001 from PostgreSQL, as under a concurrent update.
                tx_self.env.cr.execute(
                    "DO $$ BEGIN RAISE EXCEPTION 'could not serialize access due to concurrent "
                    "update' USING ERRCODE = 'serialization_failure'; END $$",
                    log_exceptions=False,
                )
            return done

        self.patch(TransactionModel, "_set_done", set_done_then_fail)
        event = self.make_event(self.tx)
        self.assertEqual(self.post_event(event).status_code, 200)
        self.assertEqual(failures, [self.tx.ids], "the first processing failed after _set_done")
        self.assertPaidOnce(self.tx)
        self.assertEqual(self.post_event(event).status_code, 200)  # Stripe delivers it again
        self.tx._post_process()
        self.tx._post_process()
        self.assertPaidOnce(self.tx)
        self.assertEqual(len(self.payments()), 1)
        self.assertEqual(len(self.stripe_api.created_intents()), 1)
        self.assertEqual(self.stripe_api.charging_calls(), [("POST", "payment_intents")])
        self.assertEqual(
            [call for call in self.stripe_api.calls if call[1] != "customers"],
            [("POST", "payment_intents")],
            "processing the event asked nothing of Stripe",
        )

    @mute_logger("odoo.http", "odoo.addons.payment_link_sms_stripe.models.payment_transaction")
    def test_return_route_with_a_foreign_payment_intent_cannot_pay(self):
        self.customer_confirms(self.tx, status="requires_action")
        # A small payment that succeeded elsewhere, whose id the customer knows.
        self.stripe_api.intents["pi_small"] = dict(
            self.stripe_api.intents[self.tx.provider_reference],
            id="pi_small",
            amount=100,
            description="SHOP-0042",
            status="succeeded",
        )
        response = self.return_from_stripe(self.tx, intent_id="pi_small")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.tx.provider_reference, "pi_link0001")
        self.assertNothingProcessed(self.tx)

    @mute_logger(
        "odoo.addons.payment_stripe.controllers.main",
        "odoo.addons.payment_link_sms_stripe.models.payment_transaction",
    )
    def test_signed_event_about_another_payment_intent_is_ignored(self):
        # E.g. a PaymentIntent created by hand in Stripe's dashboard with the same description.
        event = self.make_event(self.tx, id="pi_dashboard")
        self.assertEqual(self.post_event(event).status_code, 200, "acknowledged, not retried")
        self.assertEqual(self.tx.provider_reference, "pi_link0001")
        self.assertNothingProcessed(self.tx)
