# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from unittest.mock import patch
from urllib.parse import urlsplit

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import tagged

from .common import PayPageCommon, run_twice_at_once

RECEIPT_URL_RE = re.compile(r"https://pay\.example\.com(/pay/done/\d+/receipt\?access_token=\S+)")


@tagged("post_install", "-at_install")
class TestReceipts(PayPageCommon):
    """What the customer receives once they paid through a link, or their card was charged
    (issue 22 item 5): the message itself, and the receipt page its address opens."""

    def pay_and_post_process(self, **kwargs):
        with self.mock_gateways():
            tx = self.pay("done", **kwargs)
            tx._post_process()
            self.process_outboxes()
        return tx

    def receipt_path(self, text):
        match = RECEIPT_URL_RE.search(text)
        self.assertTrue(match, f"no receipt address in {text!r}")
        return match.group(1)

    def send_email_link(self):
        """A link of a new invoice of the English customer, by email (the test's link)."""
        invoice = self._create_posted_invoice(self.customer_en, 95.5)
        with self.mock_gateways():
            answer = self.send_link(invoice, channel="email")[0]
        self.token = self.token_of(answer)
        self.link = self.link_of(answer)
        return invoice

    def test_paying_an_sms_link_sends_a_receipt_by_sms(self):
        self.send_default_link()
        tx = self.pay_and_post_process()
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(len(self._sms), 1, "one receipt, nothing else")
        body = self._sms[0]["body"]
        self.assertEqual(self._sms[0]["number"], "+33612345678")
        self.assertIn("$ 1,234.56", body)
        self.assertIn(self.invoice.name, body)
        self.assertTrue(body.startswith(f"{self.company.name}: payment of $ 1,234.56 received"))
        # The address opens the receipt without login, and nothing else.
        path = self.receipt_path(body)
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Receipt", page.text)
        self.assertIn(tx.reference, page.text)
        self.assertIn("1,234.56", page.text)
        self.assertIn("/pdf?access_token=", page.text, "the paid invoice's PDF")
        self.assertNotIn("/pay/retry/", page.text)
        self.assertIn("frame-ancestors 'none'", page.headers["Content-Security-Policy"])
        token = path.split("access_token=", 1)[1]
        landing = f"/pay/done/{self.link.id}?access_token={token}"
        self.assertEqual(self.url_open(landing).status_code, 404, "not the landing page's token")
        other = self.url_open(path.replace(f"/done/{self.link.id}/", f"/done/{self.link.id + 1}/"))
        self.assertEqual(other.status_code, 404)
        # Audited, the receipt's token masked (nothing working at rest).
        event = self.link.event_ids.filtered(lambda e: e.event_type == "receipt_sent")
        self.assertRecordValues(
            event, [{"channel": "sms", "recipient": "+33612345678", "transaction_id": tx.id}]
        )
        self.assertNotIn(token, event.message)
        self.assertIn("/receipt?access_token=", event.message)

    def test_receipt_in_the_customers_language(self):
        invoice = self._create_posted_invoice(self.customer, 1234.56)
        with self.mock_gateways():
            answer = self.send_link(invoice)[0]
        self.assertEqual(self.link_of(answer).lang, "fr_FR")
        self.token = self.token_of(answer)
        self.link = self.link_of(answer)
        self.pay_and_post_process()
        body = self._sms[0]["body"]
        self.assertIn("1 234,56", body, "the amount as a French reader writes it")
        page = self.url_open(self.receipt_path(body))
        self.assertIn('lang="fr-FR"', page.text)

    def test_receipt_by_email_carries_the_invoice_pdf(self):
        invoice = self.send_email_link()
        self.pay_and_post_process()
        self.assertEqual(self._sms, [])
        mail = self._find_sent_mail_wemail("pat@example.com")
        self.assertIn(f"receipt for {invoice.name}", mail["subject"])
        self.assertIn("$\xa095.50", mail["body"])
        self.assertTrue(self.receipt_path(mail["body"]))
        attachments = [name for name, *_rest in mail["attachments"]]
        self.assertEqual(attachments, [f"{invoice.name.replace('/', '_')}.pdf"])

    def test_receipt_by_email_without_a_pdf_when_none_can_be_made(self):
        self.send_email_link()
        Report = type(self.env["ir.actions.report"])
        with patch.object(Report, "get_wkhtmltopdf_state", return_value="install"):
            self.pay_and_post_process()
        mail = self._find_sent_mail_wemail("pat@example.com")
        self.assertEqual(mail["attachments"], [])
        self.assertTrue(self.receipt_path(mail["body"]))

    def test_one_receipt_when_the_payment_is_post_processed_twice(self):
        self.send_default_link()
        tx = self.pay_and_post_process()
        tx.is_post_processed = False
        with self.mock_gateways():
            tx._post_process()
            self.process_outboxes()
        self.assertEqual(self._sms, [], "no second receipt")
        events = self.link.event_ids.filtered(lambda e: e.event_type == "receipt_sent")
        self.assertEqual(len(events), 1)

    def test_partial_payment_gets_its_receipt_and_the_page_offers_nothing_to_pay(self):
        self.company.payment_link_allow_partial = True
        self.send_default_link()
        tx = self.pay_and_post_process(amount="200.00")
        self.assertEqual(tx.payment_link_outcome, "partly_paid")
        body = self._sms[0]["body"]
        self.assertIn("$ 200.00", body)
        page = self.url_open(self.receipt_path(body))
        self.assertEqual(page.status_code, 200)
        self.assertIn("Still due on", page.text)
        self.assertNotIn("/pay/retry/", page.text, "the receipt's token pays nothing")
        self.assertNotIn("/pdf?access_token=", page.text, "the invoice is not paid yet")

    def test_no_receipt_when_the_company_turned_it_off(self):
        self.company.payment_link_send_receipt = False
        self.send_default_link()
        tx = self.pay_and_post_process()
        self.assertEqual(self._sms, [])
        self.assertFalse(tx.payment_link_receipt_date)
        self.assertFalse(self.link.event_ids.filtered(lambda e: e.event_type == "receipt_sent"))

    def test_settings_are_on_by_default(self):
        company = self.env["res.company"].create({"name": "New Garage"})
        self.assertTrue(company.payment_link_send_receipt)
        self.assertTrue(company.payment_link_charge_notice)
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.payment_link_send_receipt)

    def charge_saved_card(self, digits="4242424242424242"):
        """A saved card charged without the customer (an off-session payment by token on a
        link of the invoice), as a card on file charge is: what the engine sees of it."""
        link = self.send_default_link()
        token = (
            self.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": self.demo_provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_card").id,
                    "partner_id": self.customer.id,
                    "payment_details": digits,
                    "provider_ref": "demo-receipt",
                }
            )
        )
        Transaction = self.env["payment.transaction"].sudo()
        values = self.invoice._payment_link_transaction_values()
        tx = Transaction.create(
            {
                "provider_id": self.demo_provider.id,
                "payment_method_id": token.payment_method_id.id,
                "reference": Transaction._compute_reference("demo", **values),
                "amount": 1234.56,
                "currency_id": link.currency_id.id,
                "partner_id": self.customer.id,
                "token_id": token.id,
                "operation": "offline",
                "payment_link_id": link.id,
                **values,
            }
        )
        with self.mock_gateways():
            tx._set_done()
            tx._post_process()
            self.process_outboxes()
        return tx

    def test_card_charge_tells_the_customer_the_card_by_its_last_4_digits(self):
        tx = self.charge_saved_card()
        self.assertEqual(len(self._sms), 1)
        body = self._sms[0]["body"]
        self.assertEqual(
            body,
            f"{self.company.name}: $ 1,234.56 was charged to your card Card **** 4242 "
            f"for {self.invoice.name}.",
        )
        self.assertNotIn("4242424242424242", body)
        event = self.link.event_ids.filtered(lambda e: e.event_type == "receipt_sent")
        self.assertEqual(event.transaction_id, tx)

    def test_no_card_charge_notice_when_the_company_turned_it_off(self):
        self.company.payment_link_charge_notice = False
        self.charge_saved_card()
        self.assertEqual(self._sms, [])


@tagged("post_install", "-at_install")
class TestReceiptRace(PayPageCommon):
    """Two workers post-process the same payment at once (the customer's poll and the cron,
    two tabs): one receipt."""

    def test_two_workers_claim_one_receipt(self):
        dbname = self.env.cr.dbname
        # A payment committed for the two workers to see (removed at the end).
        with sql_db.db_connect(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            provider = env["payment.provider"].search([("code", "=", "demo")], limit=1)
            tx = env["payment.transaction"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "reference": "receipt-race",
                    "amount": 10.0,
                    "currency_id": env.company.currency_id.id,
                    "partner_id": env.company.partner_id.id,
                }
            )
            tx_id = tx.id
            cr.commit()
        try:
            outcomes = run_twice_at_once(
                dbname,
                lambda env: (
                    "claimed"
                    if env["payment.transaction"].browse(tx_id)._payment_link_claim_receipts()
                    else "none"
                ),
                (psycopg2.errors.SerializationFailure,),
            )
        finally:
            with sql_db.db_connect(dbname).cursor() as cr:
                cr.execute("DELETE FROM payment_transaction WHERE id = %s", [tx_id])
        self.assertIn(outcomes, (["claimed", "refused"], ["claimed", "none"]))


@tagged("post_install", "-at_install")
class TestLandingAfterPayment(PayPageCommon):
    """After paying, the customer comes to the link's own page, never to Odoo's status page
    (the website's layout, fonts and analytics), and that page finishes the payment's
    processing as Odoo's status page does (issue 22 item 9)."""

    def test_odoos_status_page_sends_a_link_payment_to_the_links_page(self):
        self.send_default_link()
        with self.mock_gateways():
            # The payment form's call sets the payment Odoo's status page follows (session).
            tx = self.demo_answers(self.pay_rpc(), "done")
            status = self.url_open("/payment/status", allow_redirects=False)
            self.assertEqual(status.status_code, 303)
            location = urlsplit(status.headers["Location"])
            self.assertEqual(f"{location.path}?{location.query}", tx.landing_route)
            self.assertFalse(tx.is_post_processed)
            page = self.url_open(tx.landing_route)
            self.process_outboxes()
        self.assertEqual(page.status_code, 200)
        self.assertIn("Payment received", page.text)
        self.assertTrue(tx.is_post_processed, "the landing page post-processed the payment")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(len(self._sms), 1, "the receipt")

    def test_status_page_unchanged_for_other_payments(self):
        response = self.url_open("/payment/status", allow_redirects=False)
        self.assertEqual(response.status_code, 200)
