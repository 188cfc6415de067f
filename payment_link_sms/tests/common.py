# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import re
import threading
from contextlib import contextmanager
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import Form, JsonRpcException, new_test_user
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase


def run_twice_at_once(dbname, attempt, refusals):
    """Run ``attempt(env)`` twice at the same instant, each in its own database transaction
    (two clicks, two users, two API calls), committed when it returns.

    :param attempt: Called with a superuser environment on its own cursor; returns an outcome.
    :param tuple refusals: The exceptions that count as the outcome 'refused' (rolled back).
    :return: The two outcomes, sorted.
    :rtype: list
    """
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        with sql_db.db_connect(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            barrier.wait()
            try:
                outcome = attempt(env)
                cr.commit()
                outcomes.append(outcome)
            except refusals:
                cr.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=run) for _ in range(2)]
    with mute_logger("odoo.sql_db"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return sorted(outcomes)


class PaymentLinkCommon(AccountTestInvoicingCommon, MockEmail, SMSCase):
    """Fixtures shared by the payment link tests: a French company, customers with valid
    numbers in several languages, posted invoices, the demo payment provider, and a billing
    user. Only what leaves the machine is mocked: the SMS gateway (Odoo's IAP mock, checked
    with ``SMSCase``'s ``assertSMS*``) and SMTP (Odoo's mail gateway mock)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.lang_fr").active = True
        cls.env.ref("base.lang_nb_NO").active = True
        cls.env.ref("base.lang_es").active = True
        cls.env["ir.module.module"]._load_module_terms(
            ["payment_link_sms", "mail", "account"], ["fr_FR", "nb_NO", "es_ES"]
        )
        cls.company = cls.env.company
        cls.company.write(
            {
                "country_id": cls.env.ref("base.fr").id,
                "phone": "+33 1 23 45 67 89",
                "email": "billing@yourcompany.example.com",
                "payment_link_validity_days": 60,
            }
        )
        cls.company.partner_id.lang = "en_US"
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", "https://pay.example.com")
        # The fixtures text and email the same three customers again and again: no hourly
        # limit of messages here (TestMessageLimit tests it, its default included).
        cls.env["ir.config_parameter"].sudo().set_param(
            "payment_link_sms.max_messages_per_recipient_hour", "0"
        )
        cls.env["iap.account"].get("sms")

        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Camille Martin",
                "email": "camille.martin@example.com",
                "mobile": "06 12 34 56 78",
                "country_id": cls.env.ref("base.fr").id,
                "lang": "fr_FR",
            }
        )
        cls.customer_nb = cls.env["res.partner"].create(
            {
                "name": "Ola Nordmann",
                "email": "ola@example.no",
                "mobile": "+47 412 34 567",
                "country_id": cls.env.ref("base.no").id,
                "lang": "nb_NO",
            }
        )
        cls.customer_en = cls.env["res.partner"].create(
            {
                "name": "Pat Smith",
                "email": "pat@example.com",
                "phone": "+1 202 555 0143",
                "country_id": cls.env.ref("base.us").id,
                "lang": "en_US",
            }
        )
        cls.billing_user = new_test_user(
            cls.env,
            login="billing_user",
            name="Billie Billing",
            email="billie@yourcompany.example.com",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
        )
        cls.invoice = cls._create_posted_invoice(cls.customer, 1234.56)
        cls.demo_provider = cls._prepare_demo_provider(cls.company)

    @classmethod
    def _prepare_demo_provider(cls, company):
        """The demo provider of ``company``, enabled and published (copied from Odoo's)."""
        Provider = cls.env["payment.provider"].sudo()
        provider = Provider.search(
            [("code", "=", "demo"), ("company_id", "=", company.id)], limit=1
        ) or cls.env.ref("payment.payment_provider_demo").sudo().copy({"company_id": company.id})
        provider.write({"state": "test", "is_published": True})
        # The demo provider exists in test mode only: these companies accept test payments.
        company.payment_link_allow_test_providers = True
        return provider

    @classmethod
    def _create_posted_invoice(cls, partner, amount, company=None, post=True, **values):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": "2026-11-01",
                "company_id": (company or cls.company).id,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Towing service",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        },
                    ),
                ],
                **values,
            }
        )
        if post:
            invoice.action_post()
        return invoice

    @contextmanager
    def demo_bank_asks_authentication(self, last_digits="3220"):
        """payment_demo has no "authentication required" answer: within this block, an
        off-session charge of a demo card whose last digits are ``last_digits`` (those of
        Stripe's test card that always asks for 3-D Secure) gets it, as a bank asking for
        3-D Secure answers (a test's simulation: nothing of it ships in the addon)."""
        Transaction = type(self.env["payment.transaction"])
        send_payment_request = Transaction._send_payment_request

        def send(tx):
            if (
                tx.provider_code == "demo"
                and tx.operation == "offline"
                and (tx.token_id.payment_details or "").endswith(last_digits)
            ):
                tx.payment_link_authentication_required = True
                tx._set_error("The bank asks the cardholder to authenticate this payment.")
                return None
            return send_payment_request(tx)

        with patch.object(Transaction, "_send_payment_request", send):
            yield

    @contextmanager
    def mock_gateways(self, **sms_options):
        """Mock what leaves the machine: the SMS provider (IAP) and SMTP."""
        with self.mockSMSGateway(**sms_options), self.mock_mail_gateway(mail_unlink_sent=True):
            yield

    def send_link(self, invoice=None, channel="sms", process=True, **kwargs):
        """Send through the public API and process the outboxes as Odoo's queues would."""
        invoices = invoice if invoice is not None else self.invoice
        answers = invoices.send_payment_link(channel, **kwargs)
        if process:
            self.process_outboxes()
        return answers

    def process_outboxes(self):
        self.env["sms.sms"].sudo()._process_queue()
        self.env["mail.mail"].sudo().process_email_queue()

    @staticmethod
    def token_of(answer):
        return answer["url"].rsplit("/", 1)[1]

    def link_of(self, answer):
        return self.env["payment.link"].browse(answer["link_id"])

    def open_send_wizard(self, documents, user=None):
        """The send wizard as ``user`` (the billing user) sees it after the Send button."""
        user = user or self.billing_user
        action = documents.with_user(user).action_send_payment_link()
        return Form(self.env[action["res_model"]].with_user(user).with_context(action["context"]))


# The page's CSRF token carries a timestamp: the only part allowed to differ between misses.
CSRF_RE = re.compile(r'csrf_token: "[^"]*"')


# The transaction route's refusal of an amount that is not (any more) the amount due.
DUE = "The amount due is now"


class PayPageCommon(PaymentLinkCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "payment_link_legal_url": "https://yourcompany.example.com/legal",
                "payment_link_privacy_url": "https://yourcompany.example.com/privacy",
            }
        )
        cls.invoice.invoice_user_id = cls.billing_user

    # The invoice's link, its token and the send's answer are made on first use (a test that
    # needs none sends nothing); a test whose clock moves (freeze_time) makes it first, at the
    # time it means, with ``send_default_link()``. A test may set its own. A class whose
    # tests all start from the invoice's live link sets ``send_link_in_setup``.
    send_link_in_setup = False

    def setUp(self):
        super().setUp()
        self._default_link = {}
        self._default_link_sent = False
        if self.send_link_in_setup:
            self.send_default_link()

    def send_default_link(self):
        """Send the invoice's link now (once), its messages kept out of the test's own
        mocked outboxes, and return it."""
        if not self._default_link_sent:
            self._default_link_sent = True
            outboxes = ("_sms", "_new_sms", "_mails", "_new_mails", "_mails_args")
            kept = {name: getattr(self, name) for name in outboxes if hasattr(self, name)}
            with self.mock_gateways():
                answer = self.send_link()[0]
            for name, value in kept.items():
                setattr(self, name, value)
            link = self.link_of(answer)
            # The page speaks the link's language; these tests read its English texts (the
            # French page is checked by TestPayPage.test_page_in_the_customer_language).
            link.sudo().lang = "en_US"
            for name, value in (
                ("answer", answer),
                ("link", link),
                ("token", self.token_of(answer)),
            ):
                self._default_link.setdefault(name, value)
        return self._default_link["link"]

    def _default_link_value(name):
        def getter(self):
            if name not in self._default_link:
                self.send_default_link()
            return self._default_link[name]

        def setter(self, value):
            self._default_link[name] = value

        return property(getter, setter)

    answer = _default_link_value("answer")
    link = _default_link_value("link")
    token = _default_link_value("token")
    del _default_link_value

    def open_page(self, token=None, person=True, **params):
        """GET the page; as a person's browser does, its script then signals it was shown
        (``person=False``: the GET alone, as a link previewer does)."""
        token = self.token if token is None else token
        response = self.url_open(f"/pay/{token}", allow_redirects=False, **params)
        if person and "o_payment_link_beacon" in response.text:
            user_agent = (params.get("headers") or {}).get("User-Agent")
            self.signal_opened(token, user_agent=user_agent)
        return response

    def json_call(self, route, headers=None, **params):
        """Call one of our JSON routes as the page's script does; return the JSON answer."""
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        return response.json()

    def signal_opened(self, token=None, user_agent=None):
        """The page's signal that it was shown to a person (what its script sends)."""
        headers = {"User-Agent": user_agent} if user_agent else {}
        return self.json_call(
            "/pay/opened", headers=headers, access_token=self.token if token is None else token
        )

    def pay_rpc(self, token=None, provider=None, amount=None, **params):
        """Call the transaction route as the payment form does; return the JSON answer."""
        payload = self.pay_payload(token=token, provider=provider, amount=amount, **params)
        response = self.url_open(
            "/pay/transaction",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": payload}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def pay_payload(self, token=None, provider=None, amount=None, **params):
        """What the payment form posts to the transaction route."""
        link = self.link if token is None else self.env["payment.link.token"]._find_link(token)
        return {
            "access_token": self.token if token is None else token,
            "provider_id": (provider or self.demo_provider).id,
            "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
            "token_id": None,
            "amount": link._get_amount_due() if link and amount is None else amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/my/attacker",
            "is_validation": False,
            **params,
        }

    def pay_refused(self, message, **kwargs):
        """The transaction route refuses the payment with ``message`` (through Odoo's
        ``make_jsonrpc_request``: a JSON-RPC error, its message asserted)."""
        self.jsonrpc_refused("/pay/transaction", self.pay_payload(**kwargs), message)

    def jsonrpc_refused(self, route, params, message):
        """``route`` refuses ``params`` with ``message`` (through Odoo's
        ``make_jsonrpc_request``: a JSON-RPC error, its message asserted)."""
        responses = []
        url_open = self.url_open

        def recording_url_open(*args, **url_kwargs):
            responses.append(url_open(*args, **url_kwargs))
            return responses[-1]

        with (
            patch.object(self, "url_open", recording_url_open),
            self.assertRaises(JsonRpcException),
        ):
            self.make_jsonrpc_request(route, params)
        self.assertIn(message, responses[-1].json()["error"]["data"]["message"])

    def pay(self, state="done", **kwargs):
        """Start a payment from the page and let the demo provider answer ``state``."""
        return self.demo_answers(self.pay_rpc(**kwargs), state)

    def demo_answers(self, answer, state):
        """Let the demo provider answer ``state`` to the payment the page started (``answer``:
        the JSON answer of ``/pay/transaction``)."""
        self.assertIn("result", answer, answer.get("error"))
        tx = self.env["payment.transaction"].search(
            [("reference", "=", answer["result"]["reference"])]
        )
        tx._handle_notification_data(
            "demo", {"reference": tx.reference, "payment_details": "4242", "simulated_state": state}
        )
        return tx


def create_demo_card(env, partner, provider, last_digits, state="done", **values):
    """A card of ``partner`` saved with the demo ``provider``: its charges end in ``state``."""
    return (
        env["payment.token"]
        .sudo()
        .create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref("payment.payment_method_card").id,
                "partner_id": partner.id,
                "payment_details": last_digits,
                "provider_ref": f"demo-{partner.id}-{last_digits}",
                "demo_simulated_state": state,
                **values,
            }
        )
    )


def invoices_of_three_customers(cls, count):
    """``count`` posted invoices of the three customers (three languages) in turn."""
    customers = cls.customer | cls.customer_nb | cls.customer_en
    return cls.env["account.move"].concat(
        *(cls._create_posted_invoice(customers[index % 3], 100.0 + index) for index in range(count))
    )


class CaptureHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(f"{record.name}: {record.getMessage()}")
        except Exception:  # noqa: BLE001 - a malformed record must not break the capture
            self.lines.append(f"{record.name}: {record.msg} {record.args}")


CODE_RE = re.compile(r'o_payment_link_code">([2-9A-Z-]{34})<')


class DocumentsCommon(PayPageCommon):
    def render_invoice_html(self, invoice=None, download=True):
        """The invoice PDF (its HTML in tests) as the back office downloads it (Odoo's report
        route), or, ``download=False``, as rendered for anything else (a copy kept, an
        attachment)."""
        invoice = invoice or self.invoice
        if not download:
            html, _type = self.env["ir.actions.report"]._render_qweb_html(
                "account.account_invoices", invoice.ids
            )
            return html.decode()
        self.authenticate("billing_user", "billing_user")
        try:
            response = self.url_open(f"/report/pdf/account.account_invoices/{invoice.id}")
        finally:
            self.authenticate(None, None)
        self.assertEqual(response.status_code, 200)
        return response.text

    def send_invoice_email(self, invoice, template_xmlid):
        """The invoice's own "Send" wizard, by email, with the given template."""
        template = self.env.ref(template_xmlid)
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"mail_template_id": template.id})
        )
        wizard.sending_methods = ["email"]
        with self.mock_gateways():
            wizard.action_send_and_print()
            self.process_outboxes()
