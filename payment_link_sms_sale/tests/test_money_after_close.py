# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentLinkSaleCommon


@tagged("post_install", "-at_install")
class TestSaleMoneyAfterTheLinkClosed(PaymentLinkSaleCommon):
    """A payment that completes once the quotation's link was closed never confirms it."""

    def setUp(self):
        super().setUp()
        self.enterContext(mute_logger("odoo.http"))
        self.set_automatic_invoice()

    def start_attempt(self):
        answer = self.pay_rpc()
        self.assertIn("result", answer, answer.get("error"))
        return self.env["payment.transaction"].search(
            [("reference", "=", answer["result"]["reference"])]
        )

    def complete(self, tx):
        tx._handle_notification_data(
            "demo",
            {"reference": tx.reference, "payment_details": "4242", "simulated_state": "done"},
        )
        self.post_process(tx)

    def assertRecordedAsCredit(self, tx):
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_link_outcome, "paid_after_close")
        self.assertTrue(self.link.paid_after_close)
        self.assertNotEqual(self.link.state, "paid")
        self.assertIn(self.booking.state, ("draft", "sent"), "never confirmed by this payment")
        self.assertFalse(self.booking.invoice_ids, "nor invoiced")
        self.assertFalse(tx.sale_order_ids)
        self.assertTrue(tx.payment_id, "the money is recorded, as the customer's credit")
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", self.booking.id)]
        )
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertIn(tx.reference, activity.note)

    def test_payment_after_the_amount_changed(self):
        self.send_booking_link()
        tx = self.start_attempt()
        adult_line = self.booking.order_line.filtered(
            lambda line: line.product_id == self.tour_adult
        )
        self.booking.write({"order_line": [Command.update(adult_line.id, {"product_uom_qty": 3})]})
        self.assertEqual(self.link.state, "cancelled")
        self.complete(tx)
        self.assertRecordedAsCredit(tx)

    def test_payment_after_the_quotation_expired(self):
        self.booking.validity_date = fields.Date.today() + timedelta(days=5)
        self.send_booking_link()
        tx = self.start_attempt()
        self.booking.validity_date = fields.Date.today() - timedelta(days=1)
        self.complete(tx)
        self.assertRecordedAsCredit(tx)

    def test_payment_after_expire_link(self):
        self.send_booking_link()
        tx = self.start_attempt()
        self.link.action_expire()
        self.complete(tx)
        self.assertRecordedAsCredit(tx)
