# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestPayByLinkTour(PaymentLinkCommon):
    """The customer's phone: a small touch screen."""

    browser_size = "390x844"
    touch_enabled = True

    def test_customer_pays_on_a_phone(self):
        with self.mock_gateways():
            answer = self.send_link()[0]
        link = self.link_of(answer)
        token = self.token_of(answer)
        self.start_tour(f"/pay/{token}", "payment_link_sms_pay_tour")
        self.assertEqual(link.state, "paid")
        # The page, shown in a real browser under its Content-Security-Policy, signalled
        # that a person opened it (the GET alone does not).
        opened = link.event_ids.filtered(lambda e: e.event_type == "opened")
        self.assertEqual(len(opened), 1)
        self.assertIn("Chrome", opened.user_agent)
        self.assertTrue(link.opened_date)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(link.paid_transaction_id.provider_id, self.demo_provider)


@tagged("post_install", "-at_install")
class TestSendTour(PaymentLinkCommon):
    def test_billing_user_sends_a_link_from_the_invoice(self):
        self.billing_user.write({"tz": "Europe/Paris"})
        with self.mock_gateways():
            self.start_tour(
                f"/odoo/action-account.action_move_out_invoice_type/{self.invoice.id}",
                "payment_link_sms_send_tour",
                login="billing_user",
            )
            self.process_outboxes()
        link = self.invoice.payment_link_ids
        self.assertEqual(len(link), 1)
        self.assertEqual(link.sender_id, self.billing_user)
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(self._sms[0]["number"], "+33612345678")
