# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import PaymentRequestCommon


@tagged("post_install", "-at_install")
class TestPaymentRequestTour(PaymentRequestCommon):
    def test_agent_creates_and_sends_a_request_by_sms(self):
        with self.mock_gateways():
            self.start_tour(
                "/odoo/action-payment_link_sms_desk.action_payment_request/new",
                "payment_link_sms_request_tour",
                login="desk_agent",
            )
            self.process_outboxes()
        request = self.env["payment.request"].search([("reference", "=", "Dépannage A7")])
        self.assertEqual(request.state, "active")
        self.assertEqual(request.user_id, self.agent)
        self.assertEqual(request.explanation, "Remorquage à Lyon")
        self.assertEqual(request.amount, 120.5)
        link = request.payment_link_ids
        self.assertEqual(link.channel, "sms")
        self.assertEqual([sms["number"] for sms in self._sms], ["+33612345678"])
        self.assertIn("Dépannage A7", self._sms[0]["body"])


@tagged("post_install", "-at_install")
class TestFirstRunTour(PaymentRequestCommon):
    def test_without_a_queue_the_app_offers_to_create_one(self):
        # Issue 22 item 11: the app opened blank when no queue existed.
        self.queue.unlink()
        self.start_tour(
            "/odoo/action-payment_link_sms_desk.action_payment_request",
            "payment_link_sms_desk_first_run_tour",
            login="desk_manager",
        )
