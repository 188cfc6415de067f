# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.common import create_demo_card

from .common import PaymentLinkSaleCommon


@tagged("post_install", "-at_install")
class TestChargeBookingCardOnFile(PaymentLinkSaleCommon):
    """A booking taken on the phone is charged on the customer's card on file."""

    def setUp(self):
        super().setUp()
        self.card = create_demo_card(
            self.env, self.customer, self.demo_provider, "4242", is_default=True
        )
        self.env["payment.consent"].with_user(self.billing_user).create(
            {"token_id": self.card.id, "method": "phone"}
        )

    def test_confirmed_booking_is_charged(self):
        self.booking.action_confirm()
        # Charging is a billing action: a salesperson sends links, a billing user charges.
        with self.assertRaisesRegex(AccessError, "Only billing users"):
            self.booking.with_user(self.salesperson).charge_card_on_file(amount=90.0)
        self.assertFalse(self.booking.transaction_ids)
        with self.mock_gateways():
            answer = self.booking.with_user(self.billing_user).charge_card_on_file(amount=90.0)
        self.assertEqual(answer["state"], "paid", answer["message"])
        tx = self.env["payment.transaction"].browse(answer["transaction_id"])
        self.assertEqual(tx.sale_order_ids, self.booking)
        self.assertEqual(self.booking.amount_paid, 90.0)
        link = self.env["payment.link"].browse(answer["link_id"])
        self.assertRecordValues(
            link, [{"kind": "card_on_file", "sale_order_id": self.booking.id, "state": "paid"}]
        )
        self.assertEqual(self.booking._payment_link_amount_due(), 210.0)

    def test_quotation_is_not_charged(self):
        with self.assertRaisesRegex(UserError, "not a confirmed order"):
            self.booking.charge_card_on_file()
        self.assertFalse(self.booking.transaction_ids)
        self.assertFalse(self.booking.payment_link_can_charge)
