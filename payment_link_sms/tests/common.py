# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import inspect
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import requests
from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import SUPERUSER_ID, api, fields, models, sql_db
from odoo.modules.module import get_module_path
from odoo.tests import Form, JsonRpcException, new_test_user
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME
from odoo.tools import mute_logger
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable, json_dump
from odoo.addons.bus.tests.common import WebsocketCase
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase

from .. import const


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


def has_own_matrix(module):
    """Whether the class module ``module`` (``odoo.addons.<addon>.…``) belongs to an addon
    whose public methods its own ``tests/test_rights_matrix.py`` covers."""
    addon = module.split(".")[2]
    path = get_module_path(addon, display_warning=False)
    return (
        addon != "payment_link_sms"
        and bool(path)
        and os.path.isfile(os.path.join(path, "tests", "test_rights_matrix.py"))
    )


def discover_public_methods(env, include=None):
    """``{(model, method)}``: the public methods our classes define, callable over RPC: those
    of the addons without a matrix of their own, or only those of the addon ``include``."""
    base_api = set(dir(models.Model))
    found = set()
    for name in env.registry:
        for klass in type(env[name]).__mro__:
            module = klass.__module__ or ""
            if not module.startswith("odoo.addons.payment_link_sms"):
                continue
            if include and module.split(".")[2] != include:
                continue
            if not include and has_own_matrix(module):
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") or attr in base_api or not inspect.isfunction(value):
                    continue
                found.add((name, attr))
    return found


class _Rollback(Exception):
    pass


def call_as_rpc(env, Model, method, args, kwargs, snapshot):
    """Call ``Model.method(*args, **kwargs)`` as RPC does (``Model`` with the caller's user),
    in a savepoint rolled back afterwards; ``snapshot()`` reads what a write would change.

    :return: ``(exception or None, written: bool)``
    """
    before = snapshot()
    # An RPC call starts with an empty cache: every read goes through the user's rights.
    env.invalidate_all()
    error = written = None
    try:
        with env.cr.savepoint(flush=False):
            try:
                api.call_kw(Model, method, args, kwargs)
            except Exception as exc:  # noqa: BLE001 - reported by the matrix
                error = exc
            try:
                written = snapshot() != before
            except Exception:  # noqa: BLE001 - a pending write that cannot be flushed
                written = True
            raise _Rollback
    except _Rollback:
        pass
    finally:
        env.transaction.clear()
        env.cr.precommit.clear()
    return error, written


class ProgressCommon(PayPageCommon):
    def progress_notifications(self, record):
        """The progress notifications sent to ``record``'s progress channel: their payloads."""
        channel = json_dump(
            channel_with_db(self.env.cr.dbname, (record, const.PROGRESS_SUBCHANNEL))
        )
        self.env.cr.precommit.run()  # the bus creates its rows before the commit
        self.env.flush_all()
        messages = self.env["bus.bus"].sudo().search([("channel", "=", channel)], order="id")
        payloads = []
        for message in messages:
            data = json.loads(message.message)
            self.assertEqual(data["type"], const.PROGRESS_NOTIFICATION)
            payloads.append(data["payload"])
        return payloads

    def step(self, step, token=None):
        return self.make_jsonrpc_request(
            "/pay/progress", {"access_token": self.token if token is None else token, "step": step}
        )

    def events(self, *event_types):
        return self.link.event_ids.filtered(lambda e: e.event_type in event_types).sorted("id")


class CustomerPaysMeanwhile(WebsocketCase):
    """The agent's screen while the customer pays in another browser.

    The agent's screen is the tour's headless Chromium (logged in, with its real websocket to
    Odoo's bus). The customer is a second client without any session (the public user), driven
    by the test from a thread through HTTP, as their phone would: it waits until the agent's
    screen listens to the record's progress channel (the bus's own dispatcher says so), then
    opens the page, reports its steps, fails a payment and pays with payment_demo. The tour
    waits for each step to appear, without reloading. Under test, PostgreSQL's NOTIFY that wakes
    the bus after a commit does not happen (test cursors never commit), so the websockets are
    woken after each step as the bus's test helper (trigger_notification_dispatching) does.
    """

    def start_tour_while_the_customer_pays(self, record, url, tour, login):
        payloads = [self.pay_payload(), self.pay_payload()]
        token = self.token
        channel = hashable(
            channel_with_db(self.registry.db_name, (record, const.PROGRESS_SUBCHANNEL))
        )
        errors = []

        def customer():
            try:
                for _i in range(600):  # the agent's screen listens (at most 60 s)
                    if dispatch._channels_to_ws.get(channel):
                        break
                    time.sleep(0.1)
                session = requests.Session()
                session.cookies.set(TEST_CURSOR_COOKIE_NAME, self.http_request_key)
                base = self.base_url()

                def call(route, **params):
                    answer = session.post(
                        f"{base}{route}",
                        json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
                        timeout=30,
                    ).json()
                    if "error" in answer:
                        raise AssertionError(f"{route}: {answer['error']}")
                    return answer.get("result")

                call("/pay/opened", access_token=token)
                for step in ("method_chosen", "details_entering"):
                    call("/pay/progress", access_token=token, step=step)
                for payload, state in zip(payloads, ("error", "done"), strict=True):
                    reference = call("/pay/transaction", **payload)["reference"]
                    call(
                        "/payment/demo/simulate_payment",
                        reference=reference,
                        payment_details="4242",
                        simulated_state=state,
                    )
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

        Event = type(self.env["payment.link.event"])
        original = Event._send_progress

        def send_progress_and_wake_the_bus(events):
            original(events)

            @events.env.cr.precommit.add
            def wake():
                for websocket in set(dispatch._channels_to_ws.get(channel, ())):
                    websocket.trigger_notification_dispatching()

        thread = threading.Thread(target=customer)
        with patch.object(Event, "_send_progress", send_progress_and_wake_the_bus):
            thread.start()
            try:
                self.start_tour(url, tour, login=login)
            finally:
                thread.join(timeout=60)
                self.assertFalse(errors, "the customer's side failed")


# The repository root, where the `paylink` package lives beside the addons.
REPO = Path(__file__).resolve().parents[2]


class PaylinkCliCommon(PaymentLinkCommon):
    """The real `paylink` command, in a subprocess, against the test server over XML-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.billing_user)
            ._generate("rpc", "paylink tests", fields.Datetime.now() + timedelta(days=1))
        )

    def paylink(self, *args, api_key=None, url=None, tz=None):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PAYLINK_")},
            **({"TZ": tz} if tz else {}),
            "PYTHONPATH": str(REPO),
            "PAYLINK_URL": url or self.base_url(),
            "PAYLINK_DB": self.env.cr.dbname,
            "PAYLINK_USER": self.billing_user.login,
        }
        if api_key is not False:
            env["PAYLINK_API_KEY"] = api_key or self.api_key
        # The server must see what this test wrote before the command connects.
        self.env.flush_all()
        with self.mock_gateways():
            result = subprocess.run(
                [sys.executable, "-m", "paylink", *args],
                env=env,
                cwd=str(REPO),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        self.env.invalidate_all()
        self.assertNotIn("Traceback", result.stderr)
        return result

    def assertFails(self, result, code, message):
        self.assertEqual(result.returncode, code, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertIn(message, lines[-1])
        if code != 2:  # usage errors repeat the usage line first, as argparse does
            self.assertEqual(len(lines), 1, result.stderr)
        self.assertEqual(result.stdout, "")


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
    def _filter_domain(self, view_xmlid, filter_name):
        """The domain of the filter ``filter_name`` of the search view ``view_xmlid``, as the
        web client evaluates it."""
        view = self.env.ref(view_xmlid)
        arch = self.env[view.model].get_views([(view.id, "search")])["views"]["search"]["arch"]
        node = etree.fromstring(arch).xpath(f"//filter[@name='{filter_name}']")[0]
        return safe_eval(
            node.get("domain"),
            {
                "context_today": lambda: fields.Date.context_today(self.env.user),
                "relativedelta": relativedelta,
                "datetime": safe_datetime,
            },
        )

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
