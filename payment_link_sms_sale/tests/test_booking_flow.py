# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import datetime, time, timedelta

import pytz

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PaymentLinkSaleCommon


@tagged("post_install", "-at_install")
class TestBookingFlow(PaymentLinkSaleCommon):
    def test_link_of_a_quotation_asks_for_its_total(self):
        self.booking.validity_date = False  # no quotation expiry: the company's validity
        answer = self.send_booking_link()
        link = self.link
        self.assertFalse(answer["error"])
        self.assertEqual(link.sale_order_id, self.booking)
        self.assertEqual((link.res_model, link.res_id), ("sale.order", self.booking.id))
        self.assertEqual(link.document_name, self.booking.name)
        self.assertFalse(link.invoice_id)
        self.assertAlmostEqual(link.amount, 300.0)
        self.assertEqual(link.currency_id, self.booking.currency_id)
        self.assertEqual(link.partner_id, self.booking.partner_invoice_id)
        self.assertEqual(link.salesperson_id, self.salesperson)
        self.assertEqual(link.phone, "+33612345678")
        self.assertEqual(link.lang, "fr_FR")
        self.assertIn(self.booking.name, self._sms[0]["body"])
        self.assertIn(answer["url"], self._sms[0]["body"])
        self.assertEqual(self.booking.state, "sent", "the quotation went out with its link")
        self.assertEqual(self.booking.payment_link_state, "sent")
        self.assertEqual(self.booking.payment_link_count, 1)
        self.assertEqual(self.booking.payment_link_sent_date, link.sent_date)
        self.assertEqual(self.booking.payment_link_days_left, 60)
        self.assertFalse(self.booking.payment_link_paid_date)
        summary = self.booking.message_ids.filtered(lambda m: link.name in (m.body or ""))
        self.assertTrue(summary, "the sending is summarised in the order's chatter")

    def test_page_shows_the_booking(self):
        self.booking.client_order_ref = "Smith family"
        self.send_booking_link()
        response = self.open_page()
        self.assertEqual(response.status_code, 200)
        body = response.text
        self.assertIn(self.booking.name, body)
        self.assertIn("Smith family", body)
        self.assertIn("Whale safari - adult", body)
        self.assertIn("Whale safari - child", body)
        quantities = re.findall(r'o_payment_link_quantity">\s*(\S+)\s*×', body)
        self.assertEqual(quantities, ["2,00", "2,00"], "2 adults, 2 children, as invoices say")
        self.assertIn("09:30", body, "the tour's time, where the company is (UTC+1)")
        self.assertIn("15/12/2026", body, "dates in the customer's language")
        self.assertIn("300,00", body)
        self.assertNotIn("o_payment_link_deposit", body, "no deposit asked")
        self.assertIn("o_payment_form", body)
        self.assertEqual(self.link.state, "opened")
        self.assertEqual(self.booking.payment_link_state, "opened")

    def test_paid_link_confirms_the_quotation(self):
        self.send_booking_link()
        tx = self.pay("done")
        self.assertEqual(tx.sale_order_ids, self.booking)
        self.assertEqual(tx.payment_link_id, self.link)
        self.assertEqual(tx.partner_id, self.booking.partner_invoice_id)
        self.assertAlmostEqual(tx.amount, 300.0)
        self.assertTrue(tx.reference.startswith(self.booking.name), "Odoo's sale reference")
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.link.paid_transaction_id, tx)
        self.post_process(tx)
        self.assertEqual(self.booking.state, "sale", "Odoo's sale flow confirmed it")
        self.assertFalse(self.booking.invoice_ids, "no invoice unless sale.automatic_invoice")
        self.assertEqual(self.booking.payment_link_state, "paid")
        self.assertEqual(self.booking.payment_link_paid_date, self.link.paid_date)
        self.assertFalse(self.booking.payment_link_can_send, "nothing left to pay")
        self.assertNotIn("cancelled", self.link.event_ids.mapped("event_type"))
        receipt = self.open_page()
        self.assertEqual(receipt.status_code, 200)
        self.assertIn("Paiement reçu", receipt.text, "in the customer's language")
        self.assertIn("Télécharger la commande (PDF)", receipt.text, "in French")
        self.assertNotIn("/my/orders/", receipt.text, "not the order's permanent portal token")
        pdf_url = re.search(r'href="(/pay/done/\d+/pdf\?access_token=[^"]+)"', receipt.text)
        pdf = self.url_open(pdf_url.group(1).replace("&amp;", "&"))
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")

    def test_automatic_invoice_is_created_and_paid(self):
        self.set_automatic_invoice()
        self.send_booking_link()
        tx = self.pay("done")
        self.post_process(tx)
        self.assertEqual(self.booking.state, "sale")
        invoice = self.booking.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 300.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(tx.invoice_ids, invoice)
        self.assertTrue(tx.payment_id)
        self.assertEqual(self.link.state, "paid")
        self.assertFalse(invoice.payment_link_ids, "the order's link is not the invoice's")

    def test_deposit_is_asked_when_the_order_requires_a_prepayment(self):
        self.set_automatic_invoice()
        self.booking.write({"require_payment": True, "prepayment_percent": 0.3})
        self.send_booking_link()
        self.assertAlmostEqual(self.link.amount, 90.0, msg="30% of 300.00")
        page = self.open_page()
        self.assertIn("o_payment_link_deposit", page.text)
        self.assertIn("Acompte pour confirmer", page.text, "the page speaks French")
        self.assertIn("90,00", page.text)
        tx = self.pay("done")
        self.assertAlmostEqual(tx.amount, 90.0)
        self.post_process(tx)
        self.assertEqual(self.booking.state, "sale", "the deposit confirms the booking")
        deposit_invoice = self.booking.invoice_ids
        self.assertEqual(len(deposit_invoice), 1)
        self.assertTrue(deposit_invoice.line_ids.filtered("is_downpayment"))
        self.assertAlmostEqual(deposit_invoice.amount_total, 90.0)
        self.assertIn(deposit_invoice.payment_state, ("paid", "in_payment"))
        # The balance is asked next, from the confirmed order.
        self.assertTrue(self.booking.payment_link_can_send)
        first_link = self.link
        self.send_booking_link()
        self.assertNotEqual(self.link, first_link)
        self.assertEqual(first_link.state, "paid", "a paid link is never replaced")
        self.assertAlmostEqual(self.link.amount, 210.0)
        page = self.open_page()
        self.assertIn("o_payment_link_already_paid", page.text)
        self.assertNotIn("o_payment_link_deposit", page.text)
        self.post_process(self.pay("done"))
        self.assertTrue(self.booking._payment_link_is_paid())
        self.assertFalse(self.booking.payment_link_can_send)

    def test_order_paid_in_full_elsewhere_stops_its_link(self):
        self.send_booking_link()
        tx = self.pay_elsewhere(self.booking, 300.0)
        self.assertEqual(self.link.state, "paid")
        self.assertFalse(self.link.paid_transaction_id, "not paid through the link")
        self.assertNotIn(tx, self.link.transaction_ids)
        self.assertFalse(self.booking.payment_link_paid_date)
        self.assertEqual(self.open_page().status_code, 200, "the receipt")

    def test_order_paid_through_its_invoices_stops_its_link(self):
        self.booking.action_confirm()
        self.send_booking_link()
        invoice = self.booking._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": 100.0})._create_payments()
        self.assertEqual(self.link.state, "sent", "partly paid: the link stays")
        self.assertAlmostEqual(self.booking._payment_link_amount_due(), 200.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(
            self.booking._payment_link_refusal(), f"{self.booking.name} is already paid."
        )

    def test_cancelling_the_order_cancels_its_link(self):
        self.send_booking_link()
        self.booking._action_cancel()
        self.assertEqual(self.link.state, "cancelled")
        cancelled = self.link.event_ids.filtered(lambda e: e.event_type == "cancelled")
        self.assertEqual(cancelled.reason, "The order was cancelled")
        self.assertFalse(self.link.sale_amount_changed)
        response = self.open_page()
        self.assertEqual(response.status_code, 410)
        self.assertIn("n'est plus valable", response.text.replace("&#39;", "'"))

    def test_order_with_links_cannot_be_deleted(self):
        self.send_booking_link()
        self.booking._action_cancel()
        with self.assertRaisesRegex(UserError, "kept for the audit trail"):
            self.booking.unlink()
        self.assertTrue(self.booking.exists())

    def test_link_of_a_quotation_expires_with_the_quotation(self):
        self.customer.tz = "Europe/Paris"
        validity = fields.Date.today() + timedelta(days=10)
        self.booking.validity_date = validity
        self.send_booking_link()
        end_in_paris = (
            pytz.timezone("Europe/Paris")
            .localize(datetime.combine(validity, time(23, 59, 59)))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )
        self.assertEqual(self.link.expiration_date, end_in_paris)
        self.assertEqual(self.link._get_expiration_local_date(), validity)
        self.assertIn(self.link._format_expiration(lang_code="fr_FR"), self._sms[0]["body"])
        # A confirmed order is not bound by its quotation's validity.
        self.booking.action_confirm()
        self.send_booking_link()
        self.assertAlmostEqual(
            self.link.expiration_date,
            fields.Datetime.now() + timedelta(days=60),
            delta=timedelta(minutes=5),
        )

    def test_invoice_address_pays_and_the_customer_receives_the_link(self):
        accounting = self.env["res.partner"].create(
            {
                "name": "Martin Family Office",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "office@example.com",
            }
        )
        self.booking.partner_invoice_id = accounting
        wizard = self.open_wizard(self.booking)
        self.assertEqual(wizard.partner_id, accounting, "who pays")
        self.assertEqual(wizard.recipient_partner_id, self.customer, "who gets the message")
        self.assertEqual(wizard.phone, self.customer.mobile)
        answer = self.send_booking_link(channel="both")
        self.assertFalse(answer["error"])
        self.assertEqual(self.link.partner_id, accounting)
        self.assertEqual(self.link.phone, "+33612345678")
        self.assertEqual(self.link.email, "camille.martin@example.com")
        tx = self.pay("done")
        self.assertEqual(tx.partner_id, accounting, "as on Odoo's sale portal")
