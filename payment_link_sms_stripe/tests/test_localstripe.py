# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import PayPageCommon

from .common import RETURN_URL, StripeLinkCommon
from .localstripe_common import LocalStripeMixin

CONSENT = "I allow Garage Dupont to keep my card and charge it for my future repairs."
AUTHENTICATION_CARD = "4000002760003184"  # 3-D Secure on every payment, on or off session
DECLINED_CHARGE_CARD = "4000000000000341"  # saved without trouble, declined when charged
DECLINED_CARD = "4000000000000002"  # declined at once


@tagged("post_install", "-at_install")
class TestLocalStripe(LocalStripeMixin, PayPageCommon):
    """Card request (SetupIntent), off-session charges, authentication, refunds: Odoo's Stripe
    provider talking HTTP to localstripe."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stripe_provider = StripeLinkCommon._prepare_stripe_provider.__func__(cls, cls.company)
        cls.stripe_provider.allow_tokenization = True
        cls.demo_provider.state = "disabled"
        cls.card = cls.env.ref("payment.payment_method_card")
        cls.company.payment_consent_text = CONSENT

    # === The customer's side: the card request's page, Stripe.js, the return === #

    def request_card(self):
        with self.mock_gateways():
            answer = self.customer.request_payment_card("sms")[0]
        return self.link_of(answer), self.token_of(answer)

    def start_validation(self, token):
        """What the page's payment form does in validation mode: Odoo creates the SetupIntent."""
        answer = self.pay_rpc(
            token=token,
            provider=self.stripe_provider,
            payment_method_id=self.card.id,
            amount=None,
            is_validation=True,
        )
        self.assertIn("result", answer, answer.get("error"))
        return self.env["payment.transaction"].search(
            [("reference", "=", answer["result"]["reference"])]
        ), answer["result"]

    def confirm_setup(self, tx, processing_values, number="4242424242424242"):
        """Stripe.js confirms the SetupIntent with the card typed in (and 3-D Secure, when the
        card asks for it, by confirming it again), then the browser returns to Odoo."""
        setup_intent_id = processing_values["client_secret"].split("_secret_")[0]
        card = self.create_card(number)
        answer = self.stripe.api(
            "POST", f"setup_intents/{setup_intent_id}/confirm", payment_method=card["id"]
        )
        if answer.get("status") == "requires_action":
            answer = self.stripe.api("POST", f"setup_intents/{setup_intent_id}/confirm")
        response = self.url_open(
            f"{RETURN_URL}?reference={tx.reference}&setup_intent={setup_intent_id}",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        return answer

    def saved_card(self, number="4242424242424242"):
        """A card saved through a card request, at localstripe and in Odoo."""
        _link, token = self.request_card()
        tx, processing_values = self.start_validation(token)
        self.confirm_setup(tx, processing_values, number=number)
        self.assertTrue(tx.token_id, tx.state_message)
        return tx.token_id

    def charge_off_session(self, payment_token, amount=None):
        """A charge of the saved card, the customer away (Odoo's offline operation)."""
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.stripe_provider.id,
                    "payment_method_id": self.card.id,
                    "reference": self.env["payment.transaction"]._compute_reference("stripe"),
                    "amount": amount or self.invoice.amount_residual,
                    "currency_id": self.invoice.currency_id.id,
                    "partner_id": self.customer.id,
                    "token_id": payment_token.id,
                    "operation": "offline",
                    "invoice_ids": [(6, 0, self.invoice.ids)],
                }
            )
        )
        tx._send_payment_request()
        return tx

    # === Tests === #

    def test_card_request_saves_the_card_through_a_setup_intent(self):
        link, token = self.request_card()
        tx, processing_values = self.start_validation(token)
        self.assertEqual(tx.operation, "validation")
        self.assertEqual(tx.amount, 0)
        created = self.stripe.sent("POST", "setup_intents")
        self.assertEqual(len(created), 1)
        self.assertEqual(created[0]["description"], tx.reference)
        self.assertIn("_secret_", processing_values["client_secret"])

        self.confirm_setup(tx, processing_values)
        self.assertEqual(tx.state, "done")
        payment_token = tx.token_id
        customer_id = created[0]["customer"]
        self.assertEqual(payment_token.provider_ref, customer_id)
        self.assertTrue(payment_token.stripe_payment_method.startswith("pm_"))
        self.assertEqual(payment_token.payment_details, "4242")
        request = link._get_document()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.token_id, payment_token)
        self.assertEqual(tx.payment_link_consent_id.consent_text, CONSENT)
        self.assertEqual(tx.payment_link_consent_id.method, "online")
        self.assertEqual(link.state, "paid")
        # Nothing was charged at Stripe.
        self.assertFalse(self.stripe.sent("POST", "payment_intents"))

    def test_card_request_with_3d_secure_at_setup(self):
        payment_token = self.saved_card(AUTHENTICATION_CARD)
        self.assertEqual(payment_token.payment_details, "3184")

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_card_declined_at_setup_leaves_the_request_open(self):
        link, token = self.request_card()
        tx, processing_values = self.start_validation(token)
        setup_intent_id = processing_values["client_secret"].split("_secret_")[0]
        card = self.create_card(DECLINED_CARD)
        answer = self.stripe.api(
            "POST", f"setup_intents/{setup_intent_id}/confirm", payment_method=card["id"]
        )
        self.assertEqual(answer["error"]["code"], "card_declined")
        self.url_open(
            f"{RETURN_URL}?reference={tx.reference}&setup_intent={setup_intent_id}",
            allow_redirects=False,
        )
        self.assertEqual(tx.state, "cancel")
        self.assertFalse(tx.token_id)
        self.assertEqual(link._get_document().state, "open")
        self.assertIn("card_failed", link.event_ids.mapped("event_type"))
        self.assertTrue(link.is_live)

    def test_off_session_charge_with_the_saved_card(self):
        payment_token = self.saved_card()
        tx = self.charge_off_session(payment_token)
        self.assertEqual(tx.state, "done", tx.state_message)
        sent = self.stripe.sent("POST", "payment_intents")[-1]
        self.assertEqual(sent["off_session"], True)
        self.assertEqual(sent["confirm"], True)
        self.assertEqual(sent["payment_method"], payment_token.stripe_payment_method)
        intent = self.stripe.api("GET", f"payment_intents/{tx.provider_reference}")
        self.assertEqual(intent["status"], "succeeded")
        self.assertEqual(intent["amount"], round(self.invoice.amount_residual * 100))

    def test_off_session_charge_needing_authentication_is_not_paid(self):
        payment_token = self.saved_card(AUTHENTICATION_CARD)
        tx = self.charge_off_session(payment_token)
        # localstripe asks for 3-D Secure (status requires_action): nothing is paid, the
        # transaction waits (Odoo maps requires_action to draft).
        intent = self.stripe.api("GET", f"payment_intents/{tx.provider_reference}")
        self.assertEqual(intent["status"], "requires_action")
        self.assertEqual(intent["next_action"]["type"], "use_stripe_sdk")
        self.assertEqual(tx.state, "draft")
        self.assertFalse(tx.payment_id)

    @mute_logger(
        "odoo.addons.payment_stripe.models.payment_transaction",
        "odoo.addons.payment.models.payment_transaction",
    )
    def test_off_session_charge_declined(self):
        payment_token = self.saved_card(DECLINED_CHARGE_CARD)
        tx = self.charge_off_session(payment_token)
        self.assertEqual(tx.state, "error")
        self.assertIn("Your card was declined.", tx.state_message)
        self.assertFalse(tx.payment_id)

    def test_refund_of_an_off_session_charge(self):
        payment_token = self.saved_card()
        tx = self.charge_off_session(payment_token, amount=100.0)
        self.assertEqual(tx.state, "done", tx.state_message)
        refund = tx._send_refund_request(amount_to_refund=40.0)
        self.assertEqual(refund.operation, "refund")
        self.assertEqual(refund.state, "done")
        self.assertEqual(refund.amount, -40.0)
        refunds = self.stripe.api("GET", "refunds", payment_intent=tx.provider_reference)
        self.assertEqual([r["amount"] for r in refunds["data"]], [4000])

    # === Through cardcore's charge_card_on_file (the customer's consented card) === #

    def charge_card_on_file(self, payment_token):
        with self.mock_gateways():
            answer = self.invoice.with_user(self.billing_user).charge_card_on_file(
                token_id=payment_token.id
            )
            self.process_outboxes()
        return answer

    def test_charge_card_on_file_pays_the_invoice(self):
        payment_token = self.saved_card()
        self.assertEqual(payment_token.consent_state, "active")
        answer = self.charge_card_on_file(payment_token)
        self.assertEqual(answer["state"], "paid", answer["message"])
        tx = self.env["payment.transaction"].browse(answer["transaction_id"])
        intent = self.stripe.api("GET", f"payment_intents/{tx.provider_reference}")
        self.assertEqual(intent["status"], "succeeded")
        self.assertEqual(intent["payment_method"], payment_token.stripe_payment_method)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))

    def test_charge_card_on_file_needing_authentication_sends_a_pay_link(self):
        payment_token = self.saved_card(AUTHENTICATION_CARD)
        answer = self.charge_card_on_file(payment_token)
        self.assertEqual(answer["state"], "authentication_required", answer["message"])
        pay_link = self.env["payment.link"].browse(answer["pay_link_id"])
        self.assertEqual(pay_link.state, "sent")
        self.assertEqual(self.invoice.payment_state, "not_paid")
