# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentLinkCommon, PayPageCommon


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
        self.assertSMSIapSent(["+33612345678"])


@tagged("post_install", "-at_install")
class TestUserViewTours(PaymentLinkCommon):
    """The click paths of issue 10: resend from the invoice and from the link, the dialog, and
    the failure page's Try again."""

    def setUp(self):
        super().setUp()
        self.billing_user.write({"tz": "Europe/Paris"})
        with self.mock_gateways():
            self.answer = self.send_link()[0]
        self.link = self.link_of(self.answer)

    def test_resend_from_the_invoice(self):
        with self.mock_gateways():
            self.start_tour(
                f"/odoo/action-account.action_move_out_invoice_type/{self.invoice.id}",
                "payment_link_sms_resend_invoice_tour",
                login="billing_user",
            )
        self.assertEqual(self.link.state, "cancelled")
        self.assertEqual(self.invoice.payment_link_state, "sent")
        self.assertEqual(self.invoice._paylink_latest_live(), self.link.replaced_by_id)

    def test_resend_from_the_link_form(self):
        with self.mock_gateways():
            self.start_tour(
                f"/odoo/action-payment_link_sms.action_payment_link/{self.link.id}",
                "payment_link_sms_resend_link_tour",
                login="billing_user",
            )
        self.assertEqual(self.link.state, "cancelled")
        self.assertEqual(self.link.replaced_by_id.state, "sent")
        self.assertIn("resent", self.link.event_ids.mapped("event_type"))


@tagged("post_install", "-at_install")
class TestPayRetryTour(PaymentLinkCommon):
    browser_size = "390x844"
    touch_enabled = True

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_declined_then_try_again_then_paid(self):
        with self.mock_gateways():
            answer = self.send_link()[0]
        link = self.link_of(answer)
        self.start_tour(f"/pay/{self.token_of(answer)}", "payment_link_sms_pay_retry_tour")
        self.assertEqual(link.state, "paid")
        self.assertEqual(link.transaction_ids.mapped("state"), ["done", "error"])

    def test_partial_payment_then_pay_the_rest(self):
        self.company.payment_link_allow_partial = True
        with self.mock_gateways():
            answer = self.send_link()[0]
        link = self.link_of(answer)
        self.start_tour(f"/pay/{self.token_of(answer)}", "payment_link_sms_pay_partial_tour")
        self.assertEqual(link.state, "paid")
        self.assertEqual(link.transaction_ids.mapped("amount"), [934.56, 300.0])


@tagged("post_install", "-at_install")
class TestRefundTour(PayPageCommon):
    def test_refund_part_of_a_paid_link_from_its_form(self):
        tx = self.pay()
        self.assertEqual(self.link.state, "paid")
        self.start_tour(
            f"/odoo/action-payment_link_sms.action_payment_link/{self.link.id}",
            "payment_link_sms_refund_tour",
            login="billing_user",
        )
        refund = tx.child_transaction_ids
        self.assertEqual((refund.operation, refund.state), ("refund", "done"))
        self.assertAlmostEqual(refund.amount, -200.0)
        event = self.link.event_ids.filtered(lambda e: e.event_type == "refunded")
        self.assertIn("Late delivery", event.reason)
