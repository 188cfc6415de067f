# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentLinkSaleCommon


@tagged("post_install", "-at_install")
class TestPayBookingTour(PaymentLinkSaleCommon):
    """The customer's phone: a small touch screen."""

    browser_size = "390x844"
    touch_enabled = True

    def test_customer_pays_the_deposit_of_a_booking_on_a_phone(self):
        self.set_automatic_invoice()
        self.booking.write({"require_payment": True, "prepayment_percent": 0.3})
        self.send_booking_link()
        with self.mock_gateways(), mute_logger("odoo.addons.sale.models.payment_transaction"):
            self.start_tour(f"/pay/{self.token}", "payment_link_sms_sale_pay_booking_tour")
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.link.paid_transaction_id.provider_id, self.demo_provider)
        self.assertAlmostEqual(self.link.amount_paid, 90.0)
        self.assertEqual(self.booking.state, "sale", "the deposit confirmed the booking")
        self.assertIn(self.booking.invoice_ids.payment_state, ("paid", "in_payment"))
