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
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(link.paid_transaction_id.provider_id, self.demo_provider)
