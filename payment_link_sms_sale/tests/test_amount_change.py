# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentLinkSaleCommon


@tagged("post_install", "-at_install")
class TestAmountChange(PaymentLinkSaleCommon):
    def setUp(self):
        super().setUp()
        # Refused payments are answered as JSON-RPC errors, which Odoo logs as warnings.
        self.enterContext(mute_logger("odoo.http"))

    def adult_line(self):
        return self.booking.order_line.filtered(lambda line: line.product_id == self.tour_adult)

    def assert_cancelled_for_amount_change(self, link):
        self.assertEqual(link.state, "cancelled")
        self.assertTrue(link.sale_amount_changed)
        cancelled = link.event_ids.filtered(lambda e: e.event_type == "cancelled")
        self.assertEqual(len(cancelled), 1)
        self.assertEqual(cancelled.reason, "The amount changed")

    def assert_live(self, link):
        self.assertIn(link.state, ("sent", "opened"))
        self.assertFalse(link.sale_amount_changed)
        self.assertNotIn("cancelled", link.event_ids.mapped("event_type"))

    def test_changing_the_guests_cancels_the_live_link(self):
        self.send_booking_link()
        old_link, old_token = self.link, self.token
        self.booking.with_user(self.salesperson).write(
            {"order_line": [Command.update(self.adult_line().id, {"product_uom_qty": 3})]}
        )
        self.assertAlmostEqual(self.booking.amount_total, 400.0)
        self.assert_cancelled_for_amount_change(old_link)
        # The form shows the cancelled link and offers to send a new one.
        self.assertEqual(self.booking.payment_link_state, "cancelled")
        self.assertTrue(self.booking.payment_link_can_send)
        note = self.booking.message_ids.filtered(
            lambda m: m.subject == f"Payment link cancelled: {self.booking.name}"
        )
        self.assertEqual(len(note), 1)
        self.assertIn(old_link.name, note.body)
        self.assertIn("400.00", note.body, "the new amount due")
        self.assertIn(self.salesperson.partner_id, note.partner_ids)
        self.env.cr.precommit.run()  # the bus notifications are written on commit
        notifications = (
            self.env["bus.bus"]
            .sudo()
            .search([("message", "ilike", f"Payment link cancelled: {self.booking.name}")])
        )
        self.assertTrue(notifications, "the users are told at once")
        # The customer who opens the old link is told it was replaced.
        response = self.open_page(token=old_token)
        self.assertEqual(response.status_code, 410)
        self.assertIn(
            f"Le montant de {self.booking.name} a changé après l&#39;envoi de ce lien, qui a "
            "donc été remplacé",
            response.text,
            "in the customer's language",
        )
        answer = self.pay_rpc(token=old_token, amount=300.0)
        self.assertIn(
            f"Le montant de {self.booking.name} a changé après l'envoi de ce lien",
            answer["error"]["data"]["message"],
            "the payment form's error, in the customer's language too",
        )
        self.assertFalse(old_link.transaction_ids)
        # No need to cancel the booking: a new link asks for the new amount.
        self.send_booking_link()
        self.assertAlmostEqual(self.link.amount, 400.0)
        self.assertEqual(self.open_page().status_code, 200)
        self.pay("done")
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(old_link.state, "cancelled")

    def test_adding_or_removing_lines_directly_cancels_the_live_link(self):
        self.send_booking_link()
        self.env["sale.order.line"].create(
            {"order_id": self.booking.id, "product_id": self.tour_child.id}
        )
        self.assert_cancelled_for_amount_change(self.link)
        self.send_booking_link()
        self.adult_line().unlink()
        self.assert_cancelled_for_amount_change(self.link)
        self.send_booking_link()
        line = self.booking.order_line[:1]
        line.write({"product_uom_qty": line.product_uom_qty, "discount": 0.0})
        self.assert_live(self.link)

    def test_changing_the_deposit_cancels_the_live_link(self):
        self.booking.write({"require_payment": True, "prepayment_percent": 0.3})
        self.send_booking_link()
        self.assertAlmostEqual(self.link.amount, 90.0)
        self.booking.prepayment_percent = 0.5
        self.assert_cancelled_for_amount_change(self.link)
        self.send_booking_link()
        self.assertAlmostEqual(self.link.amount, 150.0)

    def test_changes_that_keep_the_amount_keep_the_link(self):
        self.send_booking_link()
        self.booking.write({"client_order_ref": "Smith family", "note": "Bring a warm coat"})
        self.adult_line().name = "Whale safari - adult (window seat)"
        self.booking.require_payment = True  # a 100% prepayment: still the whole amount
        self.assert_live(self.link)
        self.assertEqual(self.booking.payment_link_state, "sent")

    def test_confirmation_by_the_links_payment_does_not_cancel_anything(self):
        self.set_automatic_invoice()
        self.booking.write({"require_payment": True, "prepayment_percent": 0.3})
        self.send_booking_link()
        self.post_process(self.pay("done"))
        self.assertEqual(self.booking.state, "sale")
        self.assertTrue(self.booking.invoice_ids)
        self.assertEqual(self.link.state, "paid")
        self.assertFalse(self.link.sale_amount_changed)
        self.assertFalse(
            self.booking.message_ids.filtered(
                lambda m: (m.subject or "").startswith("Payment link cancelled")
            )
        )

    def test_confirmation_by_another_payment_keeps_the_live_link(self):
        self.booking.write({"require_payment": True, "prepayment_percent": 0.3})
        self.send_booking_link()
        self.post_process(self.pay_elsewhere(self.booking, 90.0))
        self.assertEqual(self.booking.state, "sale", "the deposit paid on the portal")
        self.assert_live(self.link)
        self.assertAlmostEqual(self.booking._payment_link_amount_due(), 210.0)

    def test_manual_confirmation_keeps_the_live_link(self):
        self.send_booking_link()
        self.booking.action_confirm()
        self.assert_live(self.link)
        self.assertAlmostEqual(self.link._get_amount_due(), 300.0)
