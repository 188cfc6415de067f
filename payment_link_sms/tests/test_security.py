# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import logging
import os
import re
from smtplib import SMTPRecipientsRefused
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from .. import utils
from ..controllers.portal import PaymentLinkPortal
from .common import CODE_RE, CaptureHandler, PayPageCommon


@tagged("post_install", "-at_install")
class TestSecurity(PayPageCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="readonly_accountant",
            groups="account.group_account_readonly",
            company_id=cls.company.id,
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="portal_customer",
            groups="base.group_portal",
            company_id=cls.company.id,
        )
        cls.employee = new_test_user(
            cls.env,
            login="plain_employee",
            groups="base.group_user",
            company_id=cls.company.id,
        )

    def test_billing_user_sends_expires_and_resends(self):
        invoice = self._create_posted_invoice(self.customer_en, 80.0)
        with self.mock_gateways():
            answer = invoice.with_user(self.billing_user).send_payment_link("sms")[0]
            link = self.env["payment.link"].with_user(self.billing_user).browse(answer["link_id"])
            self.assertEqual(link.state, "sent")
            new_id = link.action_resend()
        new = self.env["payment.link"].with_user(self.billing_user).browse(new_id)
        new.action_expire()
        self.assertEqual(new.state, "expired")
        self.assertEqual(
            new.event_ids.filtered(lambda e: e.event_type == "expired").user_id, self.billing_user
        )

    def test_billing_user_cannot_forge_or_edit_links(self):
        Link = self.env["payment.link"].with_user(self.billing_user)
        with self.assertRaises(AccessError):
            Link.create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "currency_id": self.company.currency_id.id,
                    "channel": "sms",
                    "expiration_date": "2099-01-01 00:00:00",
                }
            )
        link = self.link.with_user(self.billing_user)
        with self.assertRaises(AccessError):
            link.write({"state": "paid"})
        with self.assertRaises(AccessError):
            link.read(["token_hash"])
        # The access rule itself (the audit trail's write() refuses everyone before Odoo
        # checks the rights, so a write would prove nothing about the rule).
        event = link.event_ids[:1]
        self.assertTrue(event)
        for operation in ("write", "create", "unlink"):
            with self.assertRaises(AccessError, msg=operation):
                event.check_access(operation)
        with self.assertRaises(UserError):  # and even the superuser cannot change the trail
            event.sudo().write({"reason": "x"})
        self.assertEqual(self.link.state, "sent")

    def test_read_only_accountant_reads_but_cannot_act(self):
        link = self.link.with_user(self.accountant)
        self.assertEqual(link.name, self.link.name)
        self.assertTrue(link.event_ids)
        with self.assertRaises(AccessError):
            link.action_expire()
        with self.assertRaises(AccessError):
            link.action_resend()
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.accountant).send_payment_link("sms")
        self.assertEqual(self.link.state, "sent")

    def test_sending_is_the_payment_link_group_right(self):
        """The one rights check: only the members of group_payment_link_user send, expire or
        resend (billing users are, through the group they have)."""
        group = "payment_link_sms.group_payment_link_user"
        self.assertTrue(self.billing_user.has_group(group))
        self.assertFalse(self.accountant.has_group(group))
        self.send_default_link()
        refused = "You are not allowed to send, expire or resend payment links."
        for call in (
            lambda: self.invoice.with_user(self.accountant).send_payment_link("sms"),
            lambda: (
                self.env["payment.link.send.service"]
                .with_user(self.accountant)
                ._send(self.invoice, "sms")
            ),
            lambda: self.link.with_user(self.accountant).action_expire(),
        ):
            with self.assertRaises(AccessError) as caught:
                call()
            self.assertEqual(str(caught.exception), refused)
        self.assertEqual(self.link.state, "sent")

    def test_portal_and_plain_users_cannot_read_links(self):
        for user in (self.portal_user, self.employee):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.link.with_user(user).read(["name"])
            with self.assertRaises(AccessError):
                self.env["payment.link.event"].with_user(user).search([])

    def test_other_company_links_are_invisible(self):
        other = self.setup_other_company(name="Other Co")["company"]
        customer = self.customer.copy({"company_id": other.id})
        invoice = self._create_posted_invoice(customer, 50.0, company=other)
        with self.mock_gateways():
            other_link = self.link_of(self.send_link(invoice)[0])
        self.billing_user.company_ids = self.company
        Link = self.env["payment.link"].with_user(self.billing_user)
        self.assertNotIn(other_link, Link.search([]))
        with self.assertRaises(AccessError):
            other_link.with_user(self.billing_user).read(["name"])
        with self.assertRaises(AccessError):
            other_link.with_user(self.billing_user).action_expire()
        self.assertEqual(other_link.state, "sent")
        self.assertFalse(
            self.env["payment.link.event"]
            .with_user(self.billing_user)
            .search([("link_id", "=", other_link.id)])
        )

    def _texts_at_rest(self, known_tokens):
        """Every text and binary value of the database that holds a link URL or a known
        token, and every file of the filestore (the text of each stored PDF too):
        ``[(where, text)]``."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT c.table_name, c.column_name, c.data_type
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_name = c.table_name AND t.table_schema = c.table_schema
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('text', 'character varying', 'jsonb', 'bytea')
        """)
        texts = []
        for table, column, data_type in self.env.cr.fetchall():
            value = (
                f'"{column}"::text' if data_type != "bytea" else f"encode(\"{column}\", 'escape')"
            )
            self.env.cr.execute(
                f'SELECT {value} FROM "{table}" WHERE {value} LIKE ANY(%s)',
                [["%/pay/%", *(f"%{token}%" for token in known_tokens)]],
            )
            texts += [(f"{table}.{column}", row[0]) for row in self.env.cr.fetchall()]
        filestore = self.env["ir.attachment"]._filestore()
        for folder, _dirs, files in os.walk(filestore):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, "rb") as file:
                    data = file.read()
                texts.append((path, data.decode("latin-1")))
                if data.startswith(b"%PDF"):
                    reader = PdfFileReader(io.BytesIO(data), strict=False)
                    text = "".join(page.extract_text() for page in reader.pages)
                    texts.append((f"{path} (PDF text)", text))
        return texts

    def _assert_no_working_token_at_rest(self, known_tokens):
        texts = self._texts_at_rest(known_tokens)
        filestore = self.env["ir.attachment"]._filestore()
        self.assertTrue(any(where.startswith(filestore) for where, _text in texts))
        found = [where for where, text in texts for token in known_tokens if token in text]
        self.assertEqual(found, [], "no known token anywhere")
        Token = self.env["payment.link.token"]
        working = [
            (where, candidate)
            for where, text in texts
            for candidate in re.findall(r"/pay/([A-Za-z0-9_-]{16,})", text or "")
            if Token._find_link(candidate)
        ]
        self.assertEqual(working, [], "no working link anywhere at rest")

    @mute_logger("odoo.addons.mail.models.mail_mail", "odoo.addons.sms.models.sms_sms")
    def test_database_holds_no_working_token(self):
        """After sending by SMS (still processing at the provider) and email (one failed),
        sending the invoice with its PDF showing the link, printing it, opening and paying,
        no text or binary column of the database nor any file of the filestore (the text of
        every stored PDF included) holds a working token: a dump yields no working link."""
        self.company.payment_link_on_invoice_pdf = True
        with self.mock_gateways(moderated=True):
            answer = self.send_link(channel="both")[0]
        token = self.token_of(answer)
        known = [token]
        # A failed email: Odoo keeps the mail and its message for a retry.
        other = self._create_posted_invoice(self.customer_en, 70.0)
        IrMailServer = type(self.env["ir.mail_server"])
        error = SMTPRecipientsRefused({"pat@example.com": (550, b"No such user")})
        with self.mock_gateways(), patch.object(IrMailServer, "send_email", side_effect=error):
            known.append(self.token_of(self.send_link(other, channel="email")[0]))
        self.assertEqual(other.payment_link_ids.email_state, "failed")
        # The invoice sent by email with its PDF (kept as the invoice's legal copy).
        third = self._create_posted_invoice(self.customer_en, 90.0)
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=third.ids)
            .create(
                {
                    "mail_template_id": self.env.ref(
                        "payment_link_sms.mail_template_invoice_payment_link"
                    ).id
                }
            )
        )
        wizard.sending_methods = ["email"]
        with self.mock_gateways():
            wizard.action_send_and_print()
            self.process_outboxes()
        self.assertTrue(third.invoice_pdf_report_id, "the PDF kept at sending")
        stored = third.invoice_pdf_report_id.raw.decode()
        self.assertIn("o_payment_link_masked", stored, "it shows the link masked")
        self.assertIn(third.payment_link_ids.masked_url.split("://", 1)[1], stored)
        self.assertNotIn("o_payment_link_qr", stored, "and no QR code")
        # Printed from the back office: the download answer carries a working link.
        self.authenticate("billing_user", "billing_user")
        printed = self.url_open(f"/report/pdf/account.account_invoices/{third.id}").text
        self.authenticate(None, None)
        # The PDF's own token, printed as a code to type (7 groups of 4 characters).
        printed_token = CODE_RE.search(printed).group(1)
        self.assertEqual(
            self.env["payment.link.token"]._find_link(printed_token), third.payment_link_ids
        )
        known += [printed_token, printed_token.replace("-", "")]
        self.open_page(token=token)
        tx = self.pay("done", token=token)
        tx._post_process()
        self.url_open(tx.landing_route)
        self.url_open(PaymentLinkPortal._payment_link_landing_route(self.link_of(answer), "pdf"))
        self._assert_no_working_token_at_rest(known)
        self.assertEqual(
            self.env["payment.link"].sudo().search([("id", "=", answer["link_id"])]).token_hash,
            utils.hash_token(token),
        )

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_no_token_in_logs_at_debug_level(self):
        handler = CaptureHandler()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        werkzeug = logging.getLogger("werkzeug")
        old_werkzeug_level = werkzeug.level
        werkzeug.setLevel(logging.INFO)
        try:
            with self.mock_gateways():
                answer = self.send_link(channel="both")[0]
            token = self.token_of(answer)
            self.open_page(token=token)
            self.open_page(token=token + "x")
            self.pay("error", token=token)
            tx = self.pay("done", token=token)
            tx._post_process()
            self.url_open(tx.landing_route)
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
            werkzeug.setLevel(old_werkzeug_level)
        self.assertTrue(handler.lines, "the capture saw the run")
        landing_token = tx.landing_route.split("access_token=", 1)[1]
        leaks = [line for line in handler.lines if token in line or landing_token in line]
        self.assertEqual(leaks, [])
        self.assertTrue(
            any(
                f"/pay/done/{tx.payment_link_id.id}?access_token=" in line for line in handler.lines
            ),
            "the access log line of the landing page is there, masked",
        )
        masked = f"/pay/{utils.mask_hint(utils.token_hint(token))}"
        self.assertTrue(
            any(masked in line for line in handler.lines),
            "the access log line of GET /pay/<token> is there, masked",
        )
