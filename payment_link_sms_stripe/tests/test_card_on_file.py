# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import StripeLinkCommon


@tagged("post_install", "-at_install")
class TestStripeCardOnFileAuthentication(StripeLinkCommon):
    """An off-session charge of a saved Stripe card that the bank wants authenticated: Stripe
    answers ``authentication_required`` (the PaymentIntent in its error); the customer gets a
    pay link instead of a silent failure."""

    def setUp(self):
        super().setUp()
        self.saved_card = (
            self.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": self.stripe_provider.id,
                    "payment_method_id": self.card.id,
                    "partner_id": self.customer.id,
                    "payment_details": "3184",
                    "provider_ref": "cus_link0001",
                    "stripe_payment_method": "pm_link0001",
                    "is_default": True,
                }
            )
        )
        self.env["payment.consent"].sudo().create(
            {"token_id": self.saved_card.id, "method": "phone"}
        )

    def stripe_answers_authentication_required(self, status="requires_payment_method"):
        api = self.stripe_api
        request = api.request

        def answer(endpoint, payload=None, method="POST", offline=False):
            if endpoint != "payment_intents" or method != "POST":
                return request(endpoint, payload=payload, method=method, offline=offline)
            intent = dict(
                api._create_intent(payload),
                status=status,
                last_payment_error={
                    "code": "authentication_required",
                    "message": "Your card was declined. This transaction requires authentication.",
                },
            )
            api.intents[intent["id"]].update(intent)
            if status == "requires_action":
                return intent
            return {
                "error": {
                    "type": "card_error",
                    "code": "authentication_required",
                    "decline_code": "authentication_required",
                    "message": intent["last_payment_error"]["message"],
                    "payment_intent": intent,
                }
            }

        self.patch(api, "request", answer)

    def charge(self):
        with self.mock_gateways():
            answer = self.invoice.charge_card_on_file()
            self.process_outboxes()
        return answer

    def test_authentication_required_error_sends_a_pay_link(self):
        self.stripe_answers_authentication_required()
        answer = self.charge()
        self.assertEqual(answer["state"], "authentication_required", answer["message"])
        pay_link = self.env["payment.link"].browse(answer["pay_link_id"])
        self.assertEqual(pay_link.state, "sent")
        self.assertEqual(len(self._sms), 1)
        self.assertIn("/pay/", self._sms[0]["body"])
        tx = self.env["payment.transaction"].browse(answer["transaction_id"])
        self.assertTrue(tx.payment_link_authentication_required)

    def test_requires_action_sends_a_pay_link(self):
        self.stripe_answers_authentication_required(status="requires_action")
        answer = self.charge()
        self.assertEqual(answer["state"], "authentication_required", answer["message"])
        self.assertTrue(answer["pay_link_id"])
