# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the user sees after each action: the document's fields, the dialog's values, the
report's figures as the view asks for them (issue 10)."""

import re
from datetime import timedelta

from lxml import etree

from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .. import utils
from .common import CODE_RE, DocumentsCommon

FULL_URL_RE = re.compile(r"^https://pay\.example\.com/pay/([A-Za-z0-9_-]{22})$")


@tagged("post_install", "-at_install")
class TestResendWhereTheUserLooks(DocumentsCommon):
    send_link_in_setup = True  # they start from the invoice's live link

    def _dialog_url(self, action):
        self.assertEqual(action["tag"], "payment_link_sms.sent_dialog")
        (link,) = action["params"]["links"]
        match = FULL_URL_RE.match(link["url"])
        self.assertTrue(match, f"the dialog shows a masked link: {link['url']}")
        return link["id"], match[1]

    def _invoice_filter(self, name):
        return TestReportFigures._filter_domain(self, "account.view_account_invoice_filter", name)

    def test_resend_from_the_invoice_shows_the_new_link(self):
        invoice = self.invoice.with_user(self.billing_user)
        invoice.payment_link_ids.mapped("state")  # what the form has read before the click
        with self.mock_gateways():
            action = invoice.action_resend_payment_link()
        new_id, token = self._dialog_url(action)
        new_link = self.env["payment.link"].browse(new_id)
        self.assertEqual(self.link.state, "cancelled")
        # The badge, the list column, the expiry and the filters follow the new link.
        self.assertEqual(invoice.payment_link_state, "sent")
        self.assertEqual(invoice.payment_link_expiration_date, new_link.expiration_date)
        self.assertEqual(invoice.payment_link_days_left, 60)
        self.assertEqual(invoice._paylink_latest_live(), new_link)
        self.env.flush_all()
        self.assertIn(
            self.invoice, self.env["account.move"].search(self._invoice_filter("payment_link_sent"))
        )
        # The dialog's link is the new link, in full: it opens the page.
        self.assertEqual(self.env["payment.link.token"]._find_link(token), new_link)

    def test_resend_from_the_link_form_shows_the_dialog_and_the_new_link(self):
        link = self.link.with_user(self.billing_user)
        with self.mock_gateways():
            action = link.action_resend_dialog()
        new_id, token = self._dialog_url(action)
        self.assertEqual(action["params"]["open_link_id"], new_id)
        self.assertEqual(link.replaced_by_id.id, new_id)
        self.assertEqual(self.env["payment.link.token"]._find_link(token).id, new_id)
        # The old link's form no longer offers Resend.
        arch = link.get_views([(False, "form")])["views"]["form"]["arch"]
        button = etree.fromstring(arch).xpath("//button[@string='Resend Link']")[0]
        self.assertEqual(button.get("name"), "action_resend_dialog")
        self.assertIn("replaced_by_id", button.get("invisible"))
        self.assertEqual(
            link.event_ids.filtered(lambda event: event.event_type == "resent").reason,
            "Resent as a new link",
        )

    def test_resending_an_expired_link_is_audited(self):
        self.link.action_expire()
        with self.mock_gateways():
            action = self.link.with_user(self.billing_user).action_resend_dialog()
        new_id, _token = self._dialog_url(action)
        self.assertEqual(self.link.state, "expired")
        self.assertEqual(self.link.replaced_by_id.id, new_id)
        self.assertEqual(
            self.link.event_ids.filtered(lambda event: event.event_type == "resent").user_id,
            self.billing_user,
        )
        # Its page now tells the customer to use the latest message.
        self.assertEqual(self.link._refresh_page_state(), "replaced")

    def test_masked_url_is_text_without_a_copy_button(self):
        arch = self.link.get_views([(False, "form")])["views"]["form"]["arch"]
        node = etree.fromstring(arch).xpath("//field[@name='masked_url']")[0]
        self.assertFalse(node.get("widget"), "a copy button beside a masked link copies nothing")
        self.assertNotIn("CopyClipboard", arch)


@tagged("post_install", "-at_install")
class TestReportFigures(DocumentsCommon):
    """Invoicing > Reporting > Payment Links, read as its pivot asks: the action's domain, the
    pivot's measures."""

    send_link_in_setup = True  # they start from the invoice's live link

    def _figures(self, groupby=()):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "payment_link_sms.action_payment_link_analysis"
        )
        Link = self.env["payment.link"].with_context(**safe_eval(action["context"]))
        domain = safe_eval(action["domain"] or "[]") + [("res_id", "in", self.invoices.ids)]
        arch = Link.get_views([(False, "pivot")])["views"]["pivot"]["arch"]
        measures = [
            node.get("name") for node in etree.fromstring(arch).xpath("//field[@type='measure']")
        ]
        aggregates = {name: Link._fields[name].aggregator or "sum" for name in measures}
        return Link.read_group(
            domain, [f"{name}:{aggregates[name]}" for name in measures], list(groupby)
        )

    def _set_sent_hours_ago(self, link, hours):
        link.sudo().sent_date = link.paid_date - timedelta(hours=hours)

    def test_each_request_counts_once_and_the_median_is_over_paid_links(self):
        # Invoice A (1,234.56): sent, resent twice, paid through the last link after 10 h.
        self.invoices = self.invoice
        with self.mock_gateways():
            service = self.env["payment.link.send.service"].with_user(self.billing_user)
            second = service._resend(self.link)[0]
            second.action_expire()
            third = service._resend(second)[0]
        self.link = third
        urls = self.env["payment.link.token"]._issue(third, "sms")
        self.token = urls[third.id].rsplit("/", 1)[1]
        self.pay("done")
        self.assertEqual(third.state, "paid")
        self._set_sent_hours_ago(third, 10)
        # Invoice B (500): sent, never paid.
        other = self._create_posted_invoice(self.customer_en, 500.0)
        with self.mock_gateways():
            self.send_link(other, channel="email")
        self.invoices |= other
        self.env.flush_all()
        (total,) = self._figures()
        self.assertEqual(total["__count"], 2)
        self.assertAlmostEqual(total["amount"], 1734.56)
        self.assertAlmostEqual(total["amount_paid"], 1234.56)
        self.assertEqual(total["conversion_rate"], 50.0)
        self.assertAlmostEqual(total["hours_to_pay"], 10.0, places=2)
        # By state, as the pivot shows it: the unpaid request has no median, not 0.
        by_state = {group["state"]: group for group in self._figures(["state"])}
        self.assertEqual(set(by_state), {"paid", "sent"})
        self.assertFalse(by_state["sent"]["hours_to_pay"])
        self.assertEqual(by_state["paid"]["conversion_rate"], 100.0)

    def test_the_view_says_what_each_figure_means(self):
        action = self.env.ref("payment_link_sms.action_payment_link_analysis")
        help_text = " ".join(str(action.help).split())
        for label in ("Amount Requested", "Amount Paid", "Paid by Link (%)", "Hours to Pay"):
            self.assertIn(label, help_text)
        self.assertIn("over the paid links only", help_text)
        self.assertIn("request counts once", help_text)
        fields_info = self.env["payment.link"].fields_get(
            ["amount", "conversion_rate", "hours_to_pay"], ["help"]
        )
        self.assertIn("counts once", fields_info["amount"]["help"])
        self.assertIn("not counted as 0", fields_info["hours_to_pay"]["help"])


@tagged("post_install", "-at_install")
class TestFailurePage(DocumentsCommon):
    """After a declined payment the customer can try again, with any payment method."""

    def _retry_form(self, page):
        action = re.search(r'<form[^>]*action="(/pay/retry/\d+)"', page.text)
        self.assertTrue(action, "the failure page offers Try again")
        values = dict(
            re.findall(
                r'<input type="hidden" name="(csrf_token|access_token)" value="([^"]*)"', page.text
            )
        )
        return action[1], values

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_try_again_leads_to_a_new_attempt_on_the_link_page(self):
        tx = self.pay("error")
        page = self.url_open(tx.landing_route)
        self.assertIn("The payment did not go through", page.text)
        self.assertIn("Try again", page.text)
        self.assertIn("another payment method", page.text)
        action, values = self._retry_form(page)
        answer = self.url_open(action, data=values, allow_redirects=False)
        self.assertEqual(answer.status_code, 303)
        location = answer.headers["Location"]
        token = re.search(r"/pay/([A-Za-z0-9_-]{22})$", location)[1]
        self.assertEqual(self.env["payment.link.token"]._find_link(token), self.link)
        again = self.open_page(token=token)
        self.assertEqual(again.status_code, 200)
        self.assertIn("o_payment_form", again.text)
        self.token = token
        self.pay("done")
        self.assertEqual(self.link.state, "paid")
        # Once paid, Try again leads to the receipt and issues nothing.
        tokens = self.link.sudo().token_ids
        answer = self.url_open(action, data=values, allow_redirects=False)
        self.assertEqual(answer.status_code, 303)
        self.assertIn(f"/pay/done/{self.link.id}", answer.headers["Location"])
        self.assertEqual(self.link.sudo().token_ids, tokens)

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_try_again_needs_the_landing_token(self):
        tx = self.pay("error")
        action, values = self._retry_form(self.url_open(tx.landing_route))
        tokens = self.link.sudo().token_ids
        answer = self.url_open(
            action, data={**values, "access_token": "wrong"}, allow_redirects=False
        )
        self.assertEqual(answer.status_code, 404)
        self.assertEqual(self.link.sudo().token_ids, tokens)


@tagged("post_install", "-at_install")
class TestPagesDetails(DocumentsCommon):
    def test_html_lang_is_the_page_language(self):
        self.link.sudo().lang = "fr_FR"
        self.assertIn('<html lang="fr-FR"', self.open_page().text)

    def test_gone_page_shows_the_contact_once(self):
        self.link.action_expire()
        page = self.open_page()
        self.assertEqual(page.status_code, 410)
        self.assertEqual(page.text.count("o_payment_link_contact"), 1)


@tagged("post_install", "-at_install")
class TestPrintedCode(DocumentsCommon):
    """The invoice PDF's block: a QR code beside the text, and a code a person can type."""

    send_link_in_setup = True  # they start from the invoice's live link

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.payment_link_on_invoice_pdf = True

    def _printed(self):
        return self.link.event_ids.filtered(lambda event: event.event_type == "printed")

    def test_one_print_logs_one_printed_event(self):
        # The Print button, as the browser downloads it.
        action = self.invoice.with_user(self.billing_user).action_print_pdf()
        self.authenticate("billing_user", "billing_user")
        response = self.url_open(f"/report/pdf/{action['report_name']}/{self.invoice.id}")
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertEqual(len(self._printed()), 1)
        self.assertEqual(
            len(self.link.sudo().token_ids.filtered(lambda t: t.channel == "print")), 1
        )

    def test_printed_code_is_typeable_and_opens_the_same_link(self):
        html = self.render_invoice_html()
        code = CODE_RE.search(html).group(1)
        groups = code.split("-")
        self.assertEqual([len(group) for group in groups], [4] * 7)
        self.assertFalse(set(code) & set("01OIL"), "no look-alikes")
        # As a person types it: lower case, without the dashes, with spaces.
        for typed in (code, code.lower(), code.replace("-", ""), code.replace("-", " ")):
            with self.subTest(typed=typed):
                found = self.env["payment.link.token"]._find_link(typed)
                self.assertEqual(found, self.link)
        self.assertEqual(self.open_page(token=code.lower().replace("-", "")).status_code, 200)
        # A bearer secret like any token: only its hash is stored, the URL is masked in logs.
        stored = self.link.sudo().token_ids.filtered(lambda t: t.channel == "print")
        self.assertNotIn(code.replace("-", ""), stored.token_hash)
        self.assertEqual(stored.token_hint, code[-4:])
        self.assertNotIn(code, utils.mask_link_urls(f"GET /pay/{code} HTTP/1.1"))
        # Laid out as a table (wkhtmltopdf), the address never broken at a dash.
        block = html[html.index('id="payment_link_block"') - 200 :]
        self.assertIn("<table", block[:300])
        self.assertIn("white-space: nowrap", block)

    def test_codes_and_tokens_do_not_collide(self):
        self.assertIsNone(utils.normalize_code(self.token))
        self.assertIsNone(utils.normalize_code("2345-6789"))
        self.assertIsNone(utils.normalize_code("0" * 28))
        self.assertEqual(len(utils.normalize_code(utils.generate_code())), 28)


@tagged("post_install", "-at_install")
class TestWizardAsTheSenderSeesIt(DocumentsCommon):
    send_link_in_setup = True  # they start from the invoice's live link

    def _wizard(self, invoices=None):
        return self.open_send_wizard(invoices if invoices is not None else self.invoice)

    def test_the_channel_never_switches_behind_the_sender(self):
        form = self._wizard()
        self.assertEqual(form.channel, "sms")
        form.phone = ""
        self.assertEqual(form.channel, "sms", "clearing the number keeps SMS")
        self.assertIn("has no mobile or phone number", form.phone_error)
        form.phone = "06 98 76 54 32"
        self.assertEqual(form.channel, "sms")
        self.assertEqual(form.phone_e164, "+33698765432")
        self.assertFalse(form.phone_error)

    def test_no_number_at_opening_says_why_it_goes_by_email(self):
        self.customer.write({"mobile": False, "phone": False})
        form = self._wizard()
        self.assertEqual(form.channel, "email")
        self.assertIn("Camille Martin has no valid mobile number", form.channel_note)
        form.channel = "sms"
        form.phone = "06 98 76 54 32"
        self.assertEqual(form.channel, "sms")
        self.assertEqual(form.phone_e164, "+33698765432")

    def test_placeholder_is_a_valid_number_and_landlines_are_flagged(self):
        form = self._wizard()
        self.assertEqual(form.phone_placeholder, "+33 6 12 34 56 78")
        number, error = self.env["payment.link.send.service"]._resolve_phone(
            self.customer, self.company, form.phone_placeholder
        )
        self.assertTrue(number)
        self.assertFalse(error)
        self.assertFalse(form.phone_warning)
        form.phone = "01 23 45 67 89"
        self.assertIn("+33123456789 is a landline number", form.phone_warning)
        arch = self.env["payment.link.send"].get_views([(False, "form")])["views"]["form"]["arch"]
        node = etree.fromstring(arch).xpath("//field[@name='phone']")[0]
        self.assertIn("placeholder_field", node.get("options"))
        self.assertNotIn("555", arch)

    def test_bulk_send_says_per_document_what_will_happen(self):
        no_number = self.env["res.partner"].create(
            {"name": "Noé Sansnuméro", "country_id": self.env.ref("base.fr").id}
        )
        refused = self._create_posted_invoice(no_number, 40.0)
        other = self._create_posted_invoice(self.customer_nb, 50.0)
        form = self._wizard(self.invoice + refused + other)
        lines = form.bulk_preview.splitlines()
        self.assertEqual(len(lines), 3)
        self.assertIn(
            f"{self.invoice.name}: SMS to +33612345678 (replaces its live link)", lines[0]
        )
        self.assertIn(f"{refused.name}: Noé Sansnuméro has no mobile or phone number", lines[1])
        self.assertIn("add one on the customer's contact, or send by email", lines[1])
        self.assertNotIn("type a number", lines[1])
        self.assertIn(f"{other.name}: SMS to +4741234567", lines[2])
        with self.mock_gateways():
            action = form.save().action_send_replace()
        (reason,) = action["params"]["refused"]
        self.assertTrue(reason.startswith(f"{refused.name}: "), reason)
        self.assertIn("add one on the customer's contact", reason)


@tagged("post_install", "-at_install")
class TestChatterOfAPayment(DocumentsCommon):
    """The invoice's chatter while the customer pays: one message per stage, by the system."""

    send_link_in_setup = True  # they start from the invoice's live link

    def _new_messages(self, before):
        # What the provider confirms is posted from the notification queue (run after commit).
        self.env["payment.link.notification"]._cron_notify()
        return (self.invoice.message_ids - before).sorted("id")

    def test_one_message_per_stage_by_the_system(self):
        before = self.invoice.message_ids
        self.open_page()
        self.open_page()
        tx = self.pay("done")
        # The queue runs right after the payment's commit; Odoo posts the payment later
        # (the customer's landing page or its post-processing cron).
        self.env["payment.link.notification"]._cron_notify()
        tx._post_process()
        messages = self._new_messages(before)
        stages = ["opened", "has been initiated", "): paid.", "has been posted"]
        self.assertEqual(len(messages), len(stages), messages.mapped("body"))
        for message, stage in zip(messages, stages, strict=True):
            self.assertIn(stage, str(message.body))
        self.assertEqual(messages.author_id, self.env.ref("base.partner_root"))

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_a_failed_payment_posts_one_message(self):
        self.open_page()
        before = self.invoice.message_ids
        self.pay("error")
        messages = self._new_messages(before)
        self.assertEqual(len(messages), 2, messages.mapped("body"))  # started, failed
        self.assertIn("payment failed", str(messages[1].body))
        self.assertEqual(messages.author_id, self.env.ref("base.partner_root"))


@tagged("post_install", "-at_install")
class TestSettingsUnits(DocumentsCommon):
    def test_validity_and_reminder_say_days(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        tree = etree.fromstring(arch)
        for fname, unit in (
            ("payment_link_validity_days", "days"),
            ("payment_link_reminder_days", "days before expiry"),
        ):
            field = tree.xpath(f"//field[@name='{fname}']")[0]
            # Inside an element of its own: the setting renders elements, drops bare text.
            self.assertNotEqual(field.getparent().tag, "setting")
            self.assertEqual(field.getnext().tag, "span")
            self.assertEqual(field.getnext().text.strip(), unit)
