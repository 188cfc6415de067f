# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rights matrix: every method of ours callable over RPC, called by every role.

Odoo's RPC calls any public method of a model for any logged-in user. For every model this
repository defines or extends (found in the registry: the classes of its MRO whose module is one
of our addons), every public method our classes define (not Odoo's own ``BaseModel`` API) is
called as RPC calls it (``odoo.api.call_kw``) by each role, on records the role may read and on
records it may not. A call is either allowed by a line of ``POLICY`` (the role, on a record it
may read) or refused with an access error, and then nothing was written (row counts and latest
``write_date`` of our tables and of the tables they touch, compared before and after).

A new public method without its line in ``METHODS`` fails the first test; a line of ``POLICY``
says who may call it and why. Extend both tables (module level) when adding a public method.
"""

import inspect

from odoo import api, models
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import PaymentLinkCommon
from .test_card_consent import create_demo_card

ROLES = ("public", "portal", "other_company", "agent", "salesperson", "billing", "billing_admin")
# The user of another company is a billing user and a desk agent there: on its own company's
# records it may what they may; on ours, nothing (the records it may not read are refused).
BILLING = ("billing", "billing_admin", "other_company")
DESK = ("agent", "billing_admin", "other_company")
SENDERS = (*BILLING, "agent", "salesperson")


def _args(*args, **kwargs):
    return lambda test: (list(args), kwargs)


NO_ARGS = _args()

# Every public method of our classes (model, method): its sample arguments, a function of the
# test returning ``(args, kwargs)`` (the records' ids are passed first, as RPC does).
METHODS = {
    # Payable documents (payment.link.mixin and its card-on-file part), on each document type.
    **{
        (model, method): NO_ARGS
        for model in (
            "payment.link.mixin",
            "account.move",
            "payment.request",
            "payment.card.request",
            "sale.order",
        )
        for method in (
            "action_send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
            "action_charge_card_on_file",
        )
    },
    **{
        (model, "send_payment_link"): _args("sms")
        for model in (
            "payment.link.mixin",
            "account.move",
            "payment.request",
            "payment.card.request",
            "sale.order",
        )
    },
    **{
        (model, "charge_card_on_file"): lambda test: ([], {"token_id": test.card.id, "amount": 5})
        for model in (
            "payment.link.mixin",
            "account.move",
            "payment.request",
            "payment.card.request",
            "sale.order",
        )
    },
    ("payment.request", "action_cancel"): NO_ARGS,
    ("payment.request", "action_discard"): NO_ARGS,
    ("payment.request", "action_generate_payment_link"): NO_ARGS,
    ("sale.order", "action_confirm_and_send_payment_link"): NO_ARGS,
    ("account.payment", "action_post"): NO_ARGS,
    ("payment.link", "action_expire"): NO_ARGS,
    ("payment.link", "action_refund"): _args(amount=1.0, reason="matrix"),
    ("payment.link", "action_resend"): NO_ARGS,
    ("payment.link", "action_resend_dialog"): NO_ARGS,
    ("payment.link", "action_view_document"): NO_ARGS,
    ("payment.link", "create_payment_request"): lambda test: (
        [{"partner_id": test.customer.id, "amount": 12.0, "channel": "sms"}],
        {},
    ),
    ("payment.link", "get_payment_link_progress"): lambda test: (
        ["account.move", test.invoice.id],
        {},
    ),
    ("payment.link.api", "create_request"): lambda test: ([test.customer.id, 12.0], {}),
    ("payment.link.api", "find_document"): lambda test: ([test.invoice.name], {}),
    ("payment.link.api", "find_link"): lambda test: ([test.invoice_link.name], {}),
    ("payment.link.api", "link_status"): lambda test: ([test.invoice_link.name], {}),
    ("payment.link.api", "list_links"): NO_ARGS,
    ("payment.link.charge", "action_charge"): NO_ARGS,
    ("payment.link.refund", "action_refund"): NO_ARGS,
    ("payment.link.send", "action_send"): NO_ARGS,
    ("payment.link.send", "action_send_replace"): NO_ARGS,
    ("payment.link.send.job", "action_download_result"): NO_ARGS,
    ("payment.link.send.job", "action_refresh"): NO_ARGS,
    ("payment.link.webhook", "action_rotate_secret"): NO_ARGS,
    ("payment.link.webhook", "action_view_deliveries"): NO_ARGS,
    ("payment.link.webhook.delivery", "action_retry"): NO_ARGS,
    ("payment.consent", "action_revoke"): NO_ARGS,
    ("payment.token", "action_payment_link_record_consent"): NO_ARGS,
    ("payment.token", "action_payment_link_remove"): NO_ARGS,
    ("payment.token", "action_set_default"): NO_ARGS,
    ("res.partner", "action_request_payment_card"): NO_ARGS,
    ("res.partner", "action_view_payment_card_requests"): NO_ARGS,
    ("res.partner", "request_payment_card"): _args("sms"),
}


def _allow(model, methods, roles, reason):
    return {(model, method, role): reason for method in methods for role in roles}


# Who may call what, and why: one line per allowed (model, method, role), on records the role
# may read (a record it may not read is always refused). Anything not listed must be refused
# with an access error and write nothing.
POLICY = {
    # Invoices: billing users send, expire, resend and charge (a charge policy of invoices).
    **_allow(
        "account.move",
        (
            "action_send_payment_link",
            "send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
        ),
        BILLING,
        "billing users send the links of the invoices they may change",
    ),
    **_allow(
        "account.move",
        ("action_charge_card_on_file", "charge_card_on_file"),
        BILLING,
        "invoices declare a charge policy; charging is a billing action",
    ),
    # Desk requests: agents of the request's queue and billing administrators (request
    # managers) send and cancel; nobody charges a card on a desk request.
    **_allow(
        "payment.request",
        (
            "action_send_payment_link",
            "send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
            "action_cancel",
            "action_discard",
            "action_generate_payment_link",
        ),
        DESK,
        "desk agents work the requests of their queues (queue rules on every send); "
        "billing administrators manage every request",
    ),
    # Card requests: the senders of links request cards (the request is read-only to them).
    **_allow(
        "payment.card.request",
        (
            "action_send_payment_link",
            "send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
        ),
        SENDERS,
        "the senders of links send, expire and resend card requests (nothing is charged)",
    ),
    # Orders (payment_link_sms_sale): salespeople and billing users send; billing users charge
    # confirmed orders.
    **_allow(
        "sale.order",
        (
            "action_send_payment_link",
            "send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
            "action_confirm_and_send_payment_link",
        ),
        ("salesperson", *BILLING),
        "salespeople and billing users send the links of the orders they may change",
    ),
    **_allow(
        "sale.order",
        ("action_charge_card_on_file", "charge_card_on_file"),
        BILLING,
        "confirmed orders declare a charge policy; charging is a billing action",
    ),
    # Links: the senders who may read a link expire, resend, refund it (document rules apply).
    **_allow(
        "payment.link",
        ("action_expire", "action_resend", "action_resend_dialog", "action_view_document"),
        SENDERS,
        "senders act on the links they may read (the document's rules decide the rest)",
    ),
    **_allow(
        "payment.link",
        ("action_refund",),
        SENDERS,
        "refunds of paid links, checked by the provider, the document and the queue",
    ),
    **_allow(
        "payment.link",
        ("create_payment_request",),
        DESK,
        "desk agents create requests in their queues (membership checked)",
    ),
    **_allow(
        "payment.link",
        ("get_payment_link_progress",),
        ROLES,
        "read-only: answers {} unless the caller may read the record",
    ),
    # The API of remote clients: look-ups with the caller's own rights, read-only.
    **_allow(
        "payment.link.api",
        ("find_document", "find_link", "link_status", "list_links"),
        ROLES,
        "read-only look-ups searching with the caller's own rights",
    ),
    **_allow(
        "payment.link.api",
        ("create_request",),
        DESK,
        "create_payment_request with names resolved (membership checked)",
    ),
    # Wizards: their creator (the wizard's rights) acts on the documents they may change.
    **_allow(
        "payment.link.send",
        ("action_send", "action_send_replace"),
        SENDERS,
        "the composer sends as the user: rights on each document checked by the send",
    ),
    **_allow(
        "payment.link.charge",
        ("action_charge",),
        BILLING,
        "the charge wizard of billing users (charge_card_on_file checks the document)",
    ),
    **_allow(
        "payment.link.refund",
        ("action_refund",),
        SENDERS,
        "payment.link.action_refund, checked there",
    ),
    # Background sends: the sender reads their own jobs.
    **_allow(
        "payment.link.send.job",
        ("action_download_result", "action_refresh"),
        SENDERS,
        "the sender's own job (record rule), read-only actions",
    ),
    # Cards and consents: billing users manage the cards of their company's customers.
    **_allow(
        "payment.token",
        ("action_payment_link_record_consent", "action_payment_link_remove", "action_set_default"),
        BILLING,
        "billing users manage saved cards",
    ),
    **_allow(
        "payment.consent",
        ("action_revoke",),
        BILLING,
        "billing users revoke a consent (the ledger's own checked method)",
    ),
    # Customers: senders request cards and see the card requests.
    **_allow(
        "res.partner",
        (
            "action_request_payment_card",
            "request_payment_card",
            "action_view_payment_card_requests",
        ),
        SENDERS,
        "senders request a card from the customers they may read",
    ),
    # Odoo's own flow, extended by us: its own rights decide.
    **_allow(
        "account.payment",
        ("action_post",),
        BILLING,
        "Odoo's Register Payment of billing users",
    ),
}

# What an allowed call may answer besides a result: a business refusal.
EXPECTED_ERRORS = (UserError, ValidationError, AccessError, RedirectWarning)

# A UserError (not an AccessError) that refuses for want of rights.
RIGHTS_REFUSALS = ("not allowed", "not a member", "Only billing users")

# Models of Odoo's that our methods write besides the models we define or extend.
TOUCHED_MODELS = (
    "mail.message",
    "mail.followers",
    "ir.attachment",
    "payment.transaction",
    "sms.sms",
    "mail.mail",
)


# Addons with a rights matrix of their own (their tests/test_rights_matrix.py): their methods
# and their models' are checked there, and this matrix must not need them installed.
OWN_MATRIX_ADDONS = ("payment_link_sms_statement",)


def discover_public_methods(env):
    """``{(model, method)}``: the public methods our classes define, callable over RPC."""
    base_api = set(dir(models.Model))
    found = set()
    for name in env.registry:
        if env[name]._original_module in OWN_MATRIX_ADDONS:
            continue
        for klass in type(env[name]).__mro__:
            module = klass.__module__ or ""
            if (
                not module.startswith("odoo.addons.payment_link_sms")
                or module.split(".")[2] in OWN_MATRIX_ADDONS
            ):
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") or attr in base_api or not inspect.isfunction(value):
                    continue
                found.add((name, attr))
    return found


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestRightsMatrix(PaymentLinkCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.has_sale = "sale.order" in cls.env and bool(
            cls.env["ir.module.module"].search(
                [("name", "=", "payment_link_sms_sale"), ("state", "=", "installed")]
            )
        )
        cls.other_company = cls.setup_other_company(name="Other Towing Co")["company"]
        cls.other_provider = cls._prepare_demo_provider(cls.other_company)
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.users = {
            "public": cls.env.ref("base.public_user"),
            "portal": new_test_user(
                cls.env, login="rm_portal", groups="base.group_portal", partner_id=cls.customer.id
            ),
            "other_company": new_test_user(
                cls.env,
                login="rm_other",
                groups="account.group_account_invoice,payment_link_sms.group_payment_request_agent",
                company_id=cls.other_company.id,
                company_ids=[Command.set(cls.other_company.ids)],
            ),
            "agent": new_test_user(
                cls.env,
                login="rm_agent",
                groups="payment_link_sms.group_payment_request_agent",
                **company,
            ),
            "billing": cls.billing_user,
            "billing_admin": new_test_user(
                cls.env, login="rm_admin", groups="account.group_account_manager", **company
            ),
        }
        if cls.has_sale:
            cls.users["salesperson"] = new_test_user(
                cls.env, login="rm_sales", groups="sales_team.group_sale_salesman", **company
            )
        cls.queue = cls.env["payment.link.queue"].create(
            {
                "name": "Matrix desk",
                "company_id": cls.company.id,
                "provider_ids": [Command.set(cls.demo_provider.ids)],
                "user_ids": [Command.set(cls.users["agent"].ids)],
            }
        )
        cls.other_queue = cls.env["payment.link.queue"].create(
            {
                "name": "Other desk",
                "company_id": cls.other_company.id,
                "provider_ids": [Command.set(cls.other_provider.ids)],
                "user_ids": [Command.set(cls.users["other_company"].ids)],
            }
        )
        cls.other_customer = cls.customer.copy({"company_id": cls.other_company.id})
        cls.card = create_demo_card(cls.env, cls.customer, cls.demo_provider, "4242")
        cls.other_card = create_demo_card(cls.env, cls.other_customer, cls.other_provider, "4343")
        cls.consent = (
            cls.env["payment.consent"]
            .with_user(cls.billing_user)
            .create({"token_id": cls.card.id, "method": "phone"})
        )
        cls.other_invoice = cls._create_posted_invoice(
            cls.other_customer, 300.0, company=cls.other_company
        )

    def setUp(self):
        super().setUp()
        Request = self.env["payment.request"]
        self.request = Request.create(
            {
                "reference": "matrix",
                "partner_id": self.customer.id,
                "amount": 80.0,
                "queue_id": self.queue.id,
                "send_sms": True,
            }
        )
        self.other_request = Request.create(
            {
                "reference": "matrix elsewhere",
                "partner_id": self.other_customer.id,
                "amount": 90.0,
                "company_id": self.other_company.id,
                "currency_id": self.other_company.currency_id.id,
                "queue_id": self.other_queue.id,
                "send_sms": True,
            }
        )
        self.card_request = (
            self.env["payment.card.request"]
            .sudo()
            .create({"partner_id": self.customer.id, "company_id": self.company.id})
        )
        self.orders = self.other_orders = self.env["payment.link.mixin"]
        if self.has_sale:
            product = self.env["product.product"].create({"name": "Tour", "list_price": 100.0})
            Order = self.env["sale.order"]
            self.orders = Order.create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.users["salesperson"].id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
            )
            self.orders.action_confirm()
            self.other_orders = Order.with_company(self.other_company).create(
                {
                    "partner_id": self.other_customer.id,
                    "company_id": self.other_company.id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
            )
        with self.mock_gateways():
            self.invoice_link = self.link_of(self.send_link()[0])
            self.other_link = self.link_of(
                self.send_link(self.other_invoice.with_company(self.other_company))[0]
            )
            self.request.sudo().send_payment_link("sms")
            self.card_request.send_payment_link("sms")
        self.card_request = self.card_request.with_env(self.env)
        self.webhook = (
            self.env["payment.link.webhook"]
            .sudo()
            .create(
                {
                    "name": "Matrix",
                    "url": "https://93.184.215.14/hook",
                    "company_id": self.company.id,
                }
            )
        )
        self.delivery = (
            self.env["payment.link.webhook.delivery"]
            .sudo()
            .create(
                {"webhook_id": self.webhook.id, "event_uid": "matrix-1", "event_type": "link.sent"}
            )
        )
        self.job = (
            self.env["payment.link.send.job"]
            .sudo()
            .create(
                {
                    "name": "Matrix job",
                    "user_id": self.billing_user.id,
                    "company_id": self.company.id,
                    "res_model": "account.move",
                    "channel": "sms",
                }
            )
        )
        self.payment = self.env["account.payment"].create(
            {
                "partner_id": self.customer.id,
                "amount": 10.0,
                "payment_type": "inbound",
                "partner_type": "customer",
            }
        )

    # === The records each method is called on === #

    def _targets(self, model, role):
        """The records of ``model`` the call is tried on: some the role may read, some not."""
        user = self.users[role]
        wizard = self.env[model].with_user(user).sudo() if self.env[model]._transient else None
        targets = {
            "payment.link.mixin": self.invoice.browse(self.invoice.id),
            "account.move": self.invoice | self.other_invoice,
            "payment.request": self.request | self.other_request,
            "payment.card.request": self.card_request,
            "sale.order": self.orders | self.other_orders,
            "account.payment": self.payment,
            "payment.link": self.invoice_link | self.other_link,
            "payment.link.send.job": self.job,
            "payment.link.webhook": self.webhook,
            "payment.link.webhook.delivery": self.delivery,
            "payment.consent": self.consent,
            "payment.token": self.card | self.other_card,
            "res.partner": self.customer | self.other_customer,
        }
        if model == "payment.link.mixin":
            return [self.env[model].browse(self.invoice.id)]
        if model == "payment.link.send":
            return [
                wizard.create({"res_model": doc._name, "res_ids": repr(doc.ids), "channel": "sms"})
                for doc in (self.invoice, self.request)
            ]
        if model == "payment.link.charge":
            return [
                wizard.create({"res_model": "account.move", "res_id": self.invoice.id}),
            ]
        if model == "payment.link.refund":
            return [
                wizard.create({"link_id": self.invoice_link.id, "reason": "matrix", "amount": 1.0})
            ]
        return list(targets[model])

    # === Calling and measuring === #

    def _tables(self):
        """``{table: has write_date}`` of the models we define or extend, and of
        ``TOUCHED_MODELS``."""
        tables = {}
        for name in self.env.registry:
            Model = self.env[name]
            if Model._abstract or not Model._auto or Model._transient:
                continue
            ours = any(
                (klass.__module__ or "").startswith("odoo.addons.payment_link_sms")
                for klass in type(Model).__mro__
            )
            if ours or name in TOUCHED_MODELS:
                tables[Model._table] = Model._log_access
        return tables

    def _snapshot(self):
        self.env.flush_all()
        self.env.cr.execute(
            " UNION ALL ".join(
                f"SELECT '{table}', count(*), "
                f'{"max(write_date)::text" if log_access else "NULL"} FROM "{table}"'
                for table, log_access in sorted(self.tables.items())
            )
        )
        return self.env.cr.fetchall()

    def _call(self, role, model, method, records):
        """Call ``method`` as RPC does, as ``role``, in a savepoint rolled back afterwards.

        :return: ``(exception or None, written: bool)``
        """
        args, kwargs = METHODS[(model, method)](self)
        Model = self.env[model].with_user(self.users[role])
        if not getattr(getattr(type(Model), method), "_api", None):
            args = [records.ids, *args]
        before = self._snapshot()
        # An RPC call starts with an empty cache: every read goes through the user's rights.
        self.env.invalidate_all()
        error = written = None
        try:
            with self.env.cr.savepoint(flush=False):
                try:
                    api.call_kw(Model, method, args, kwargs)
                except Exception as exc:  # noqa: BLE001 - reported by the matrix
                    error = exc
                try:
                    written = self._snapshot() != before
                except Exception:  # noqa: BLE001 - a pending write that cannot be flushed
                    written = True
                raise _Rollback
        except _Rollback:
            pass
        finally:
            self.env.transaction.clear()
            self.env.cr.precommit.clear()
        return error, written

    def _is_refusal(self, error):
        if isinstance(error, AccessError):
            return True
        return isinstance(error, UserError) and any(
            phrase in str(error) for phrase in RIGHTS_REFUSALS
        )

    # === Tests === #

    def test_every_public_method_has_a_line(self):
        registry = self.env.registry
        listed = {key for key in METHODS if key[0] in registry}
        discovered = discover_public_methods(self.env)
        self.assertEqual(
            sorted(discovered - listed),
            [],
            "public methods without a line in METHODS (and POLICY) of test_rights_matrix",
        )
        self.assertEqual(sorted(listed - discovered), [], "lines of methods that do not exist")
        unknown = {(model, method) for model, method, _role in POLICY} - set(METHODS)
        self.assertFalse(unknown, "POLICY lines of methods not in METHODS")

    @mute_logger(
        "odoo.models", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule"
    )
    def test_rights_matrix(self):
        self.tables = self._tables()
        roles = [role for role in ROLES if role in self.users]
        failures = []
        calls = 0
        with self.mock_gateways():
            for model, method in sorted(METHODS):
                if model not in self.env.registry:
                    continue
                is_model_api = getattr(getattr(type(self.env[model]), method), "_api", None)
                for role in roles:
                    targets = [self.env[model]] if is_model_api else self._targets(model, role)
                    for records in targets:
                        user = self.users[role]
                        readable = bool(is_model_api) or (
                            not self.env[model]._abstract
                            and records.with_user(user).has_access("read")
                        )
                        allowed = readable and (model, method, role) in POLICY
                        error, written = self._call(role, model, method, records)
                        calls += 1
                        where = f"{model}.{method} as {role} on {records}"
                        if allowed:
                            if error is not None and not isinstance(error, EXPECTED_ERRORS):
                                failures.append(f"{where}: crashed ({error!r})")
                            continue
                        if not self._is_refusal(error):
                            failures.append(f"{where}: not refused ({error!r})")
                        elif written:
                            failures.append(f"{where}: refused but wrote rows")
        self.assertFalse(failures, "\n".join(failures))
        self.assertGreater(calls, len(METHODS))
