# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StripeLinkCommon


@tagged("post_install", "-at_install")
class TestStripePaymentAttempts(StripeLinkCommon):
    """One live PaymentIntent per link: a new attempt cancels the previous one at Stripe, or is
    refused when the previous one cannot be cancelled."""

    def setUp(self):
        super().setUp()
        # Refused payments are answered as JSON-RPC errors, which Odoo logs as warnings.
        self.enterContext(mute_logger("odoo.http"))

    def live_intents(self):
        return sorted(
            intent_id
            for intent_id, intent in self.stripe_api.intents.items()
            if intent["status"] != "canceled"
        )

    def cancel_calls(self, tx):
        endpoint = f"payment_intents/{tx.provider_reference}/cancel"
        return self.stripe_api.calls.count(("POST", endpoint))

    def test_pay_page_offers_stripe_without_leaking_its_secrets(self):
        response = self.open_page()
        self.assertEqual(response.status_code, 200)
        self.assertIn(f'data-provider-id="{self.stripe_provider.id}"', response.text)
        self.assertIn("pk_test_QSPnimmb4ZhtkEy3Uhdm4S6J", response.text, "Stripe's inline form")
        self.assertNotIn("sk_test_", response.text)
        self.assertNotIn("whsec_", response.text)
        self.assertFalse(self.stripe_api.calls, "showing the page asks nothing of Stripe")

    def test_payment_intent_is_stored_when_the_payment_starts(self):
        answer = self.start_payment()
        tx = self.tx_of(answer["result"]["reference"])
        self.assertEqual(tx.payment_link_id, self.link)
        self.assertEqual(tx.provider_reference, "pi_link0001")
        self.assertEqual(answer["result"]["client_secret"], "pi_link0001_secret_test")
        intent = self.stripe_api.intents["pi_link0001"]
        self.assertEqual(intent["description"], tx.reference)
        self.assertEqual(intent["amount"], 123456, "the amount of the invoice, from the server")
        self.assertEqual(len(self.stripe_api.created_intents()), 1)

    def test_new_attempt_cancels_the_abandoned_one_at_stripe(self):
        first = self.start_stripe_payment()
        # The customer is sent to their bank for 3-D Secure and never comes back.
        self.customer_confirms(first, status="requires_action")
        second = self.start_stripe_payment()
        self.assertEqual(self.cancel_calls(first), 1)
        self.assertEqual(self.stripe_api.intents[first.provider_reference]["status"], "canceled")
        self.assertEqual(first.state, "cancel")
        self.assertEqual(second.state, "draft")
        self.assertEqual(self.live_intents(), [second.provider_reference])
        replaced = self.link_events("payment_failed")
        self.assertEqual(replaced.transaction_id, first)
        self.assertEqual(replaced.reason, "Replaced by a newer payment attempt")
        # The abandoned page comes back from the bank: its attempt stays cancelled.
        self.assertEqual(self.return_from_stripe(first).status_code, 303)
        self.assertEqual(first.state, "cancel")
        self.assertIn(self.link.state, ("sent", "opened"))

    def test_new_attempt_is_refused_when_the_previous_one_succeeded_at_stripe(self):
        first = self.start_stripe_payment()
        self.customer_confirms(first, status="succeeded")  # Stripe's event is still on its way.
        answer = self.start_payment()
        message = answer["error"]["data"]["message"]
        # In the link's language (the customer is French), as the pay page around it.
        self.assertIn("vient d'être confirmée par Stripe", message)
        self.assertIn(first.reference, message)
        self.assertEqual(first.state, "draft", "left to complete")
        self.assertEqual(self.link.transaction_ids, first, "no second attempt")
        self.assertEqual(len(self.stripe_api.created_intents()), 1, "no second PaymentIntent")
        self.assertFalse(self.link_events("payment_failed"))
        # Stripe's event completes the first attempt.
        self.assertEqual(self.post_event(self.make_event(first)).status_code, 200)
        self.assertPaidOnce(first)
        self.assertIn("error", self.start_payment(), "a paid link takes no new payment")
        self.assertEqual(len(self.stripe_api.created_intents()), 1)

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_new_attempt_is_refused_while_the_previous_one_is_processing(self):
        first = self.start_stripe_payment()
        self.customer_confirms(first, status="processing")
        answer = self.start_payment()
        self.assertIn("vient d'être confirmée par Stripe", answer["error"]["data"]["message"])
        self.assertEqual(first.state, "draft")
        event = self.make_event(first, "payment_intent.processing")
        self.assertEqual(self.post_event(event).status_code, 200)
        self.assertEqual(first.state, "pending")
        answer = self.start_payment()
        self.assertIn("déjà en cours", answer["error"]["data"]["message"])
        self.customer_confirms(first, status="succeeded")
        self.assertEqual(self.post_event(self.make_event(first)).status_code, 200)
        self.assertPaidOnce(first)
        self.assertEqual(len(self.stripe_api.created_intents()), 1)

    @mute_logger("odoo.addons.payment_link_sms_stripe.models.payment_transaction")
    def test_new_attempt_is_refused_when_stripe_cannot_be_reached(self):
        first = self.start_stripe_payment()
        self.stripe_api.unreachable = True
        answer = self.start_payment()
        message = answer["error"]["data"]["message"]
        self.assertIn("n'a pas pu être annulée chez Stripe", message)
        self.assertIn("jamais débité deux fois", message)
        self.assertEqual(first.state, "draft")
        self.assertEqual(self.link.transaction_ids, first, "nothing half-written")
        self.assertFalse(self.link_events("payment_failed"))
        self.assertEqual(self.live_intents(), [first.provider_reference])
        # Stripe is back: the next attempt replaces the first one.
        self.stripe_api.unreachable = False
        second = self.start_stripe_payment()
        self.assertEqual(first.state, "cancel")
        self.assertEqual(self.live_intents(), [second.provider_reference])

    @mute_logger("odoo.addons.payment_link_sms_stripe.models.payment_transaction")
    def test_new_attempt_is_refused_when_stripe_refuses_the_cancellation(self):
        first = self.start_stripe_payment()
        self.stripe_api.next_error = ("rate_limit", "Too many requests hit the API too quickly.")
        answer = self.start_payment()
        self.assertIn("n'a pas pu être annulée chez Stripe", answer["error"]["data"]["message"])
        self.assertEqual(first.state, "draft")
        self.assertEqual(self.link.transaction_ids, first)

    def test_declined_attempt_is_cancelled_at_stripe_before_a_new_one(self):
        first = self.start_stripe_payment()
        # Card declined: Stripe keeps the PaymentIntent open for another card.
        self.customer_confirms(
            first,
            status="requires_payment_method",
            last_payment_error={"message": "Your card was declined."},
        )
        event = self.make_event(first, "payment_intent.payment_failed")
        self.assertEqual(self.post_event(event).status_code, 200)
        self.assertEqual(first.state, "error")
        self.assertEqual(first.state_message, "Your card was declined.")
        self.assertIn(self.link.state, ("sent", "opened"), "the link stays usable")
        second = self.start_stripe_payment()
        self.assertEqual(self.cancel_calls(first), 1)
        self.assertEqual(first.state, "cancel")
        self.assertEqual(self.live_intents(), [second.provider_reference])
        # Replaced once only: a third attempt does not cancel the first one again.
        self.start_stripe_payment()
        self.assertEqual(self.cancel_calls(first), 1)
        self.assertEqual(self.cancel_calls(second), 1)

    def test_previous_intent_already_gone_at_stripe_does_not_block(self):
        first = self.start_stripe_payment()
        del self.stripe_api.intents[first.provider_reference]  # e.g. test data deleted.
        second = self.start_stripe_payment()
        self.assertEqual(first.state, "cancel")
        # Cancelled from Stripe's dashboard, the event not received yet.
        self.stripe_api.intents[second.provider_reference]["status"] = "canceled"
        third = self.start_stripe_payment()
        self.assertEqual(second.state, "cancel")
        self.assertEqual(third.state, "draft")
        self.assertEqual(self.live_intents(), [third.provider_reference])

    def test_attempts_with_other_providers_stay_open_and_stripe_ones_are_cancelled(self):
        demo_answer = self.pay_rpc()
        demo_tx = self.tx_of(demo_answer["result"]["reference"])
        stripe_tx = self.start_stripe_payment()
        self.assertEqual(demo_tx.state, "draft", "not cancelled in Odoo alone")
        self.assertFalse([call for call in self.stripe_api.calls if call[1].endswith("/cancel")])
        # And a Stripe attempt replaced by a demo one is cancelled at Stripe.
        self.pay_rpc()
        self.assertEqual(stripe_tx.state, "cancel")
        self.assertEqual(self.cancel_calls(stripe_tx), 1)
        self.assertEqual(self.live_intents(), [])

    @mute_logger("odoo.addons.payment_link_sms_stripe.models.payment_transaction")
    def test_refusal_is_in_the_language_of_the_link(self):
        first = self.start_stripe_payment()
        self.stripe_api.unreachable = True
        for lang, text in {
            "nb_NO": "kunne ikke kanselleres hos Stripe",
            "es_ES": "No se ha podido cancelar en Stripe",
            "en_US": "could not be cancelled at Stripe",
        }.items():
            with self.subTest(lang=lang):
                self.link.sudo().lang = lang
                message = self.start_payment()["error"]["data"]["message"]
                self.assertIn(text, message)
                self.assertIn(first.reference, message)
        self.assertEqual(self.link.transaction_ids, first)

    def test_stripe_script_is_loaded_on_demand_on_the_pay_page(self):
        """Not in the pay page (its inline form loads it when Stripe is chosen), still in
        Odoo's own pages with a payment form."""
        html = self.open_page().text
        self.assertNotIn("js.stripe.com/v3", html)
        self.assertIn('data-provider-code="stripe"', html)
        bundle = self.env["ir.asset"]._get_asset_paths("payment_link_sms.assets_pay_page", {})
        self.assertIn(
            "/payment_link_sms_stripe/static/src/js/stripe_on_demand.js", [p[0] for p in bundle]
        )
        native = self.env["ir.qweb"]._render("payment_stripe.sdk_assets", {})
        self.assertIn("js.stripe.com/v3", native)
