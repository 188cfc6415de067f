# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import json
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields, http
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .. import const, utils
from .common import CODE_RE, DocumentsCommon

URL_RE = re.compile(r"pay\.example\.com/pay/([A-Za-z0-9_-]{22})")


@tagged("post_install", "-at_install")
class TestInvoicePdf(DocumentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.payment_link_on_invoice_pdf = True

    send_link_in_setup = True  # the printed invoice shows its live link

    def test_pdf_shows_the_live_link_with_its_qr(self):
        html = self.render_invoice_html()
        self.assertIn('id="payment_link_block"', html)
        self.assertIn('src="data:image/png;base64,', html)
        base = re.search(r'o_payment_link_short_base">([^<]+)<', html).group(1)
        self.assertEqual(base, "pay.example.com/pay/")
        pdf_token = CODE_RE.search(html).group(1)
        self.assertNotEqual(pdf_token, self.token, "the PDF has a token of its own")
        # Both the message's link and the PDF's work, and they are the same link.
        self.assertEqual(self.open_page(token=pdf_token).status_code, 200)
        self.assertEqual(self.open_page().status_code, 200)
        self.assertIn("printed", self.link.event_ids.mapped("event_type"))
        self.assertNotIn(pdf_token, str(self.link.event_ids.mapped("message")))

    def test_pdf_rendered_for_anything_but_a_download_shows_the_link_masked(self):
        tokens_before = self.link.sudo().token_ids
        html = self.render_invoice_html(download=False)
        self.assertIn('id="payment_link_block"', html)
        self.assertIn("o_payment_link_masked", html)
        self.assertIn(self.link.masked_url.split("://", 1)[1], html)
        self.assertNotIn("o_payment_link_qr", html, "no QR code of a masked link")
        self.assertFalse(URL_RE.search(html))
        self.assertFalse(CODE_RE.search(html), "no code to type either")
        self.assertEqual(self.link.sudo().token_ids, tokens_before, "no token issued")
        self.assertNotIn("printed", self.link.event_ids.mapped("event_type"))

    def test_printing_cannot_flood_the_trail(self):
        tokens = [CODE_RE.search(self.render_invoice_html()).group(1) for _index in range(12)]
        printed = self.link.event_ids.filtered(lambda e: e.event_type == "printed")
        self.assertEqual(len(printed), 1, "one printed event per document version and hour")
        print_tokens = self.link.sudo().token_ids.filtered(lambda t: t.channel == "print")
        self.assertEqual(len(print_tokens), const.PRINT_TOKENS_PER_LINK)
        self.assertEqual(self.open_page(token=tokens[-1]).status_code, 200)
        self.assertEqual(self.open_page(token=tokens[0]).status_code, 404, "the oldest dropped")
        # A new version of the invoice (changed in a later transaction) is a new print.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move SET write_date = write_date + interval '1 minute' WHERE id = %s",
            [self.invoice.id],
        )
        self.invoice.invalidate_recordset(["write_date"])
        self.render_invoice_html()
        printed = self.link.event_ids.filtered(lambda e: e.event_type == "printed")
        self.assertEqual(len(printed), 2)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=const.AUDIT_WINDOW_MINUTES + 1)):
            self.render_invoice_html()
        self.assertEqual(len(self.link.event_ids.filtered(lambda e: e.event_type == "printed")), 3)

    def test_pdf_without_live_link_or_option_has_no_link(self):
        self.link.action_expire()
        html = self.render_invoice_html()
        self.assertNotIn("payment_link_block", html)
        self.assertFalse(URL_RE.search(html))
        self.assertFalse(CODE_RE.search(html))
        with self.mock_gateways():
            self.send_link()
        self.company.payment_link_on_invoice_pdf = False
        self.assertNotIn("payment_link_block", self.render_invoice_html())

    def test_pdf_of_a_paid_invoice_says_paid(self):
        self.pay("done")._post_process()
        html = self.render_invoice_html()
        self.assertIn("o_payment_link_report_paid", html)
        self.assertNotIn("payment_link_block", html)

    def test_printed_link_dies_with_its_link(self):
        html = self.render_invoice_html()
        pdf_token = CODE_RE.search(html).group(1)
        with freeze_time(fields.Datetime.now() + timedelta(days=61)):
            self.assertEqual(self.open_page(token=pdf_token).status_code, 410)
            self.assertNotIn("payment_link_block", self.render_invoice_html())


@tagged("post_install", "-at_install")
class TestInvoiceEmailTemplate(DocumentsCommon):
    def setUp(self):
        super().setUp()
        self.invoice_b = self._create_posted_invoice(self.customer_en, 300.0)

    def test_send_and_print_with_the_pay_now_template(self):
        self.company.payment_link_on_invoice_pdf = True
        self.send_invoice_email(
            self.invoice_b, "payment_link_sms.mail_template_invoice_payment_link"
        )
        link = self.invoice_b.payment_link_ids
        self.assertEqual(len(link), 1, "one link per document")
        self.assertEqual((link.state, link.channel), ("sent", "email"))
        mail = next(m for m in self._mails if "pat@example.com" in str(m["email_to"]))
        token = URL_RE.search(mail["body"]).group(1)
        self.assertIn("Pay now", mail["body"])
        self.assertNotIn(utils.LINK_MARKER_PREFIX, mail["body"])
        self.assertEqual(self.env["payment.link.token"]._find_link(token), link)
        self.assertEqual(self.open_page(token=token).status_code, 200)
        # The chatter copy shows the link masked; the event is recorded like any sending.
        message = self.invoice_b.message_ids.filtered(lambda m: "Pay now" in (m.body or ""))
        self.assertTrue(message)
        self.assertNotIn(token, message.body)
        self.assertIn(link.masked_url.split("/pay/")[0], message.body)
        self.assertNotIn(utils.LINK_MARKER_PREFIX, message.body)
        sent = link.event_ids.filtered(lambda e: e.event_type == "sent")
        self.assertEqual(sent.channel, "email")
        self.assertNotIn(token, sent.message)
        self.assertEqual(link.email_state, "delivered")
        # The PDF attached to that email is the copy Odoo keeps: it shows the link masked.
        stored = self.invoice_b.invoice_pdf_report_id.raw.decode()
        self.assertIn(link.masked_url.split("://", 1)[1], stored)
        self.assertFalse(URL_RE.search(stored))
        self.assertNotIn("printed", link.event_ids.mapped("event_type"))

    def test_pay_now_email_in_french_and_norwegian(self):
        invoice_nb = self._create_posted_invoice(self.customer_nb, 450.0)
        for invoice, words in (
            (self.invoice, ("Voici votre facture", "Payer maintenant")),
            (invoice_nb, ("Her er fakturaen din", "Betal nå")),
        ):
            with self.subTest(lang=invoice.partner_id.lang):
                self.send_invoice_email(
                    invoice, "payment_link_sms.mail_template_invoice_payment_link"
                )
                mail = self._mails[0]
                for word in words:
                    self.assertIn(word, mail["body"])
                token = URL_RE.search(mail["body"]).group(1)
                self.assertEqual(
                    self.env["payment.link.token"]._find_link(token).invoice_id, invoice
                )

    def test_template_reuses_the_live_link(self):
        self.send_default_link()
        self.send_invoice_email(self.invoice, "payment_link_sms.mail_template_invoice_payment_link")
        self.assertEqual(self.invoice.payment_link_ids, self.link)
        mail = self._mails[0]
        token = URL_RE.search(mail["body"]).group(1)
        self.assertNotEqual(token, self.token)
        self.assertEqual(self.env["payment.link.token"]._find_link(token), self.link)

    def test_preview_creates_no_link(self):
        template = self.env.ref("payment_link_sms.mail_template_invoice_payment_link")
        body = template._render_field("body_html", self.invoice_b.ids)[self.invoice_b.id]
        self.assertIn(utils.LINK_MARKER_PREFIX, body)
        self.assertFalse(self.invoice_b.payment_link_ids)

    def test_forged_marker_creates_nothing(self):
        marker = self.invoice_b._payment_link_mail_url()
        forged = marker[:-1] + ("0" if marker[-1] != "0" else "1")
        with self.mock_gateways():
            self.invoice_b.message_post(
                body=f'<a href="{forged}">Pay</a>',
                partner_ids=self.customer_en.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            self.process_outboxes()
        self.assertFalse(self.invoice_b.payment_link_ids)


@tagged("post_install", "-at_install")
class TestReminders(DocumentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.payment_link_reminder_days = 3

    def _run_cron(self, days_later):
        with freeze_time(fields.Datetime.now() + timedelta(days=days_later)), self.mock_gateways():
            self.env["payment.link"]._cron_send_reminders()
            self.process_outboxes()
            return list(self._sms)

    def test_reminder_is_sent_once_before_expiry(self):
        self.send_default_link()  # now: the reminders are sent days later
        self.assertEqual(self._run_cron(50), [], "too early")
        sms = self._run_cron(58)
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms[0]["number"], "+33612345678")
        token = URL_RE.search(sms[0]["body"]).group(1)
        self.assertLessEqual(utils.sms_segments(sms[0]["body"])[2], 2)
        self.assertNotEqual(token, self.token)
        self.assertEqual(self.env["payment.link.token"]._find_link(token), self.link)
        self.assertEqual(
            self.env["payment.link.token"]._find_link(self.token),
            self.link,
            "the first message's link still works",
        )
        self.assertTrue(self.link.reminder_date)
        self.assertEqual(len(self.link.event_ids.filtered(lambda e: e.event_type == "reminder")), 1)
        self.assertEqual(self._run_cron(59), [], "at most once per link")

    def test_no_reminder_for_paid_cancelled_or_expired_links(self):
        paid_invoice = self._create_posted_invoice(self.customer, 10.0)
        cancelled_invoice = self._create_posted_invoice(self.customer, 20.0)
        with self.mock_gateways():
            paid = self.link_of(self.send_link(paid_invoice)[0])
            cancelled = self.link_of(self.send_link(cancelled_invoice)[0])
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid_invoice.ids
        ).create({})._create_payments()
        cancelled_invoice.button_cancel()
        self.link.action_expire()
        self.assertEqual((paid.state, cancelled.state), ("paid", "cancelled"))
        self.assertEqual(self._run_cron(58), [])
        self.assertFalse(any((paid | cancelled | self.link).mapped("reminder_date")))

    def test_reminder_setting_is_validated(self):
        with self.assertRaises(ValidationError):
            self.company.payment_link_reminder_days = 60
        with self.assertRaises(ValidationError):
            self.company.payment_link_reminder_days = -1
        self.company.payment_link_reminder_days = 0
        self.assertEqual(self._run_cron(58), [], "0 sends none")


@tagged("post_install", "-at_install")
class TestReporting(DocumentsCommon):
    """The accountant's filters and analysis."""

    def _invoices(self, filter_name):
        domain = self._filter_domain("account.view_account_invoice_filter", filter_name)
        return self.env["account.move"].search(domain + [("id", "in", self.invoices.ids)])

    def setUp(self):
        super().setUp()
        self.inv_opened = self._create_posted_invoice(self.customer_nb, 10.0)
        self.inv_expired = self._create_posted_invoice(self.customer_en, 20.0)
        self.inv_none = self._create_posted_invoice(self.customer_en, 30.0)
        with self.mock_gateways():
            answers = self.send_link(self.inv_opened + self.inv_expired, channel="email")
        self.open_page(token=self.token_of(answers[0]))
        self.link_of(answers[1]).action_expire()
        self.pay("done")
        self.invoices = self.invoice + self.inv_opened + self.inv_expired + self.inv_none

    def test_invoice_filters(self):
        self.assertEqual(self._invoices("payment_link_sent"), self.env["account.move"])
        with self.mock_gateways():
            self.send_link(self.inv_none)
        self.assertEqual(self._invoices("payment_link_sent"), self.inv_none)
        self.assertEqual(self._invoices("payment_link_opened"), self.inv_opened)
        self.assertEqual(self._invoices("payment_link_expired_unpaid"), self.inv_expired)
        self.assertEqual(self._invoices("payment_link_paid"), self.invoice)
        self.assertEqual(self._invoices("payment_link_expiring"), self.env["account.move"])
        with freeze_time(fields.Datetime.now() + timedelta(days=55)):
            self.assertEqual(
                self._invoices("payment_link_expiring"), self.inv_opened + self.inv_none
            )

    def test_link_filters(self):
        Link = self.env["payment.link"]
        links = Link.search([("res_id", "in", self.invoices.ids)])

        def found(name):
            domain = self._filter_domain("payment_link_sms.view_payment_link_search", name)
            return Link.search(domain + [("id", "in", links.ids)])

        self.assertEqual(found("paid_by_link"), self.link)
        self.assertEqual(found("expired_unpaid").invoice_id, self.inv_expired)
        self.assertEqual(found("opened").invoice_id, self.inv_opened)
        self.assertEqual(found("channel_email").invoice_id, self.inv_opened + self.inv_expired)

    def test_analysis_counts_conversion_and_median(self):
        Link = self.env["payment.link"]
        links = Link.search([("res_id", "in", self.invoices.ids)])
        groups = Link.read_group(
            [("id", "in", links.ids)],
            ["amount:sum", "conversion_rate:avg", "hours_to_pay:median"],
            ["channel"],
        )
        by_channel = {g["channel"]: g for g in groups}
        self.assertEqual(by_channel["sms"]["channel_count"], 1)
        self.assertEqual(by_channel["sms"]["conversion_rate"], 100.0)
        self.assertEqual(by_channel["email"]["conversion_rate"], 0.0)
        self.assertAlmostEqual(by_channel["email"]["amount"], 30.0)
        self.assertGreaterEqual(by_channel["sms"]["hours_to_pay"], 0.0)
        views = Link.get_views([(False, "pivot"), (False, "graph")])
        self.assertIn("hours_to_pay", views["views"]["pivot"]["arch"])
        self.assertIn("conversion_rate", views["views"]["pivot"]["arch"])

    def test_median_ignores_one_slow_payer(self):
        Link = self.env["payment.link"].sudo()
        links = Link.search([("res_id", "in", self.invoices.ids)])
        self.assertEqual(len(links), 3)
        self.env.flush_all()  # no pending recomputation may overwrite the values set below
        for hours, link in zip((1.0, 2.0, 100.0), links, strict=True):
            self.env.cr.execute(
                "UPDATE payment_link SET hours_to_pay = %s, paid_by_link = TRUE WHERE id = %s",
                [hours, link.id],
            )
        Link.invalidate_model(["hours_to_pay", "paid_by_link"])
        result = Link.read_group([("id", "in", links.ids)], ["hours_to_pay:median"], [])
        self.assertEqual(result[0]["hours_to_pay"], 2.0)

    def test_export_to_xlsx(self):
        import openpyxl

        self.billing_user.groups_id += self.env.ref("base.group_allow_export")
        self.authenticate("billing_user", "billing_user")
        links = self.env["payment.link"].search([("res_id", "in", self.invoices.ids)])
        response = self.url_open(
            "/web/export/xlsx",
            data={
                "data": json.dumps(
                    {
                        "model": "payment.link",
                        "fields": [
                            {"name": "name", "label": "Reference", "type": "char"},
                            {"name": "state", "label": "Status", "type": "selection"},
                            {"name": "amount", "label": "Amount", "type": "monetary"},
                        ],
                        "ids": links.ids,
                        "domain": [],
                        "import_compat": False,
                    }
                ),
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        names = [row[0].value for row in sheet.iter_rows(min_row=2)]
        self.assertEqual(sorted(names), sorted(links.mapped("name")))
