# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import PaymentLinkSaleCommon


@tagged("post_install", "-at_install")
class TestSendBookingLink(PaymentLinkSaleCommon):
    def assert_refused(self, order, message):
        """Sending a link for ``order`` fails with ``message`` and writes nothing."""
        events_before = self.env["payment.link.event"].search_count([])
        messages_before = len(order.message_ids)
        with self.mock_gateways(), self.assertRaises(UserError) as error:
            order.send_payment_link("both")
        self.assertEqual(str(error.exception), message)
        self.assertEqual(order._payment_link_refusal(), message)
        self.assertFalse(order.payment_link_can_send, "the Send button is hidden")
        self.assertFalse(self.env["payment.link"].search([("sale_order_id", "=", order.id)]))
        self.assertEqual(self.env["payment.link.event"].search_count([]), events_before)
        self.assertEqual(len(order.message_ids), messages_before)
        self.assertEqual(self._sms, [])
        self.assertEqual(self._mails, [])

    def test_cancelled_order_is_refused(self):
        self.booking._action_cancel()
        self.assert_refused(
            self.booking, f"{self.booking.name} is cancelled: there is nothing to pay."
        )

    def test_order_with_nothing_to_pay_is_refused(self):
        free = self._create_booking(adults=0, children=0)
        self.assert_refused(free, f"{free.name} has nothing to pay: its total is zero.")
        empty = self.env["sale.order"].create({"partner_id": self.customer.id})
        self.assert_refused(empty, f"{empty.name} has nothing to pay: its total is zero.")

    def test_paid_order_is_refused(self):
        self.booking.action_confirm()
        invoice = self.booking._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assert_refused(self.booking, f"{self.booking.name} is already paid.")

    def test_expired_quotation_is_refused_but_can_be_confirmed_and_sent(self):
        self.booking.validity_date = fields.Date.today() - timedelta(days=1)
        date = self.booking.validity_date.strftime("%m/%d/%Y")
        self.assert_refused(
            self.booking,
            f"Quotation {self.booking.name} expired on {date}: extend its expiration date or "
            "confirm it before sending a payment link.",
        )
        self.assertTrue(self.booking.payment_link_can_confirm_send)

    def test_batch_sends_the_payable_orders_and_refuses_the_others(self):
        cancelled = self._create_booking()
        cancelled._action_cancel()
        orders = self.booking | cancelled
        with self.mock_gateways():
            answers = self.send_link(orders)
        self.assertEqual([a["document_id"] for a in answers], orders.ids)
        self.assertTrue(answers[0]["link_id"])
        self.assertFalse(answers[0]["error"])
        self.assertFalse(answers[1]["link_id"])
        self.assertIn("is cancelled", answers[1]["error"])
        self.assertEqual(len(self._sms), 1)
        self.assertFalse(cancelled.payment_link_ids)

    def test_wizard_previews_the_message_of_the_order(self):
        self.booking.write({"require_payment": True, "prepayment_percent": 0.3})
        wizard = self.open_wizard(self.booking)
        self.assertEqual(wizard.res_model, "sale.order")
        self.assertFalse(wizard.confirm_orders)
        self.assertFalse(wizard.refusal_preview)
        self.assertIn(self.booking.name, wizard.sms_preview)
        self.assertIn("90,00", wizard.sms_preview, "the deposit, in the customer's language")
        with self.mock_gateways():
            action = wizard.action_send()
        self.assertEqual(action["tag"], "payment_link_sms.sent_dialog")
        self.assertEqual(self.booking.state, "sent", "marked sent, not confirmed")
        self.assertAlmostEqual(self.booking.payment_link_ids.amount, 90.0)

    def test_confirm_and_send_is_hidden_once_a_link_is_sent(self):
        self.assertTrue(self.booking.payment_link_can_confirm_send)
        self.send_booking_link()
        self.assertEqual(self.booking.state, "sent")
        self.assertEqual(self.booking.payment_link_state, "sent")
        self.assertFalse(self.booking.payment_link_can_confirm_send, "Resend takes over")
        self.booking.payment_link_ids.action_expire()
        self.assertFalse(self.booking.payment_link_can_confirm_send)

    def test_orders_are_reachable_from_the_menus_without_sale_management(self):
        self.assertFalse(
            self.env["ir.module.module"].search_count(
                [("name", "=", "sale_management"), ("state", "=", "installed")]
            )
        )
        visible = self.env["ir.ui.menu"].with_user(self.salesperson)._visible_menu_ids()
        for xmlid in (
            "sale.sale_menu_root",
            "sale.menu_sale_quotations",
            "payment_link_sms_sale.menu_payment_link_sale",
        ):
            self.assertIn(self.env.ref(xmlid).id, visible, xmlid)

    def test_confirm_and_send_confirms_then_asks_for_the_balance(self):
        self.booking.write({"require_payment": True, "prepayment_percent": 0.3})
        self.assertTrue(self.booking.payment_link_can_confirm_send)
        action = self.booking.action_confirm_and_send_payment_link()
        self.assertEqual(action["res_model"], "payment.link.send")
        wizard = self.open_wizard(self.booking, action)
        self.assertTrue(wizard.confirm_orders)
        self.assertIn("300,00", wizard.sms_preview, "the preview shows what will be asked")
        with self.mock_gateways():
            action = wizard.action_send()
            self.process_outboxes()
        self.assertEqual(action["tag"], "payment_link_sms.sent_dialog")
        self.assertEqual(self.booking.state, "sale")
        link = self.booking.payment_link_ids
        self.assertEqual(link.state, "sent")
        self.assertAlmostEqual(link.amount, 300.0)
        self.assertEqual(len(self._sms), 1)
        self.assertIn("300,00", self._sms[0]["body"])
        self.assertFalse(self.booking.payment_link_can_confirm_send)

    def test_confirm_and_send_asks_the_order_explicitly_without_a_context_key(self):
        """The composer that confirms asks the quotation for its refusal and amount once
        confirmed (an explicit argument): no key in the documents' context leaks into what
        they call (their other hooks, Odoo's own methods)."""
        self.booking.write(
            {"require_payment": True, "prepayment_percent": 0.3, "validity_date": "2026-01-01"}
        )
        self.assertIn("expired on", self.booking._payment_link_refusal())
        self.assertFalse(self.booking._order_link_refusal(offer=False))
        self.assertAlmostEqual(self.booking._payment_link_amount_due(), 90.0)
        self.assertAlmostEqual(self.booking._order_link_amount_due(offer=False), 300.0)
        self.assertTrue(self.booking.payment_link_can_confirm_send)
        wizard = self.open_wizard(self.booking, self.booking.action_confirm_and_send_payment_link())
        self.assertNotIn("payment_link_confirm", wizard._get_documents().env.context)
        self.assertFalse(wizard.refusal_preview, "confirming it lifts the quotation's expiry")
        self.assertIn("300,00", wizard.sms_preview)

    def test_confirm_and_send_is_all_or_nothing(self):
        self.customer.write({"mobile": False, "email": "camille.martin@"})
        wizard = self.open_wizard(self.booking, self.booking.action_confirm_and_send_payment_link())
        self.assertEqual(wizard.channel, "email", "no number to text")
        self.assertTrue(wizard.email_error)
        with self.mock_gateways(), self.assertRaises(UserError) as error:
            wizard.action_send()
        self.assertIn("is not valid", str(error.exception))
        self.assertEqual(self.booking.state, "draft", "not confirmed")
        self.assertFalse(self.booking.payment_link_ids)
        self.assertEqual(self._sms, [])
        # A refusal known beforehand does not even try to confirm.
        self.booking._action_cancel()
        wizard = self.open_wizard(self.booking, self.booking.action_confirm_and_send_payment_link())
        with self.assertRaisesRegex(UserError, "is cancelled"):
            wizard.action_send()
        self.assertEqual(self.booking.state, "cancel")

    def test_confirm_and_send_refuses_a_batch_with_an_order_it_cannot_send(self):
        other = self._create_booking(partner=self.customer_nb)
        other.partner_id.mobile = "+47 000"
        orders = self.booking | other
        wizard = self.open_wizard(orders, orders.action_confirm_and_send_payment_link())
        with self.mock_gateways(), self.assertRaises(UserError) as error:
            wizard.action_send()
        self.assertIn("Nothing was confirmed nor sent", str(error.exception))
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        self.assertFalse(orders.payment_link_ids)

    def test_salesperson_sends_links_for_the_orders_they_handle(self):
        other_salesperson = new_test_user(
            self.env,
            login="sam_sales",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
        )
        booking = self.booking.with_user(self.salesperson)
        with self.mock_gateways():
            answer = booking.send_payment_link("sms")[0]
        link = self.env["payment.link"].with_user(self.salesperson).browse(answer["link_id"])
        self.assertEqual(link.sender_id, self.salesperson)
        self.assertEqual(link.state, "sent")
        self.assertEqual(booking.payment_link_ids, link)
        self.assertEqual(booking.action_view_payment_links()["res_id"], link.id)
        # Links of invoices and of other salespeople's orders stay out of reach.
        with self.mock_gateways():
            invoice_link = self.link_of(self.send_link()[0])
        Link = self.env["payment.link"].with_user(self.salesperson)
        self.assertEqual(Link.search([]), link)
        with self.assertRaises(AccessError):
            invoice_link.with_user(self.salesperson).action_expire()
        with self.assertRaises(AccessError):
            link.with_user(other_salesperson).action_expire()
        with self.mock_gateways(), self.assertRaises(AccessError):
            self.booking.with_user(other_salesperson).send_payment_link("sms")
        link.with_user(self.salesperson).action_expire()
        self.assertEqual(link.state, "expired")

    def test_user_without_sales_or_billing_rights_cannot_send(self):
        employee = new_test_user(self.env, login="emma_employee", groups="base.group_user")
        with self.mock_gateways(), self.assertRaises(AccessError):
            self.env["payment.link.send.service"].with_user(employee)._send(self.booking, "sms")
        self.assertFalse(self.booking.payment_link_ids)

    def test_salespeople_send_through_the_payment_link_group(self):
        # The sale bridge makes salespeople imply the one group that sends links.
        self.assertTrue(self.salesperson.has_group("payment_link_sms.group_payment_link_user"))
        self.assertFalse(self.salesperson.has_group("account.group_account_invoice"))

    def test_order_list_binds_the_wizard(self):
        action = self.env.ref("payment_link_sms_sale.action_payment_link_send_sale_order")
        self.assertEqual(action.binding_model_id.model, "sale.order")
        orders = self.booking | self._create_booking(
            order_line=[Command.create({"product_id": self.tour_adult.id})]
        )
        wizard = self.open_wizard(
            orders, {"context": {"active_model": "sale.order", "active_ids": orders.ids}}
        )
        self.assertEqual(wizard.res_model, "sale.order")
        self.assertEqual(wizard.document_count, 2)
