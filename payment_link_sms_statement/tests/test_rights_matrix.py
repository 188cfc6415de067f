# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rights matrix of this addon: every public method it adds or brings (the statement's,
from the mixin), called as RPC calls it by each role, on records the role may read and on
records it may not. A call is allowed by a line of ``POLICY`` (on a record the role may read)
or refused with an access error (or a refusal), and then nothing was written.

Built as ``payment_link_sms/tests/test_rights_matrix.py`` is (test modules do not import each
other): a new public method without its line in ``METHODS`` fails the first test.
"""

import inspect

from odoo import api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import StatementCommon

ROLES = ("public", "portal", "internal", "other_company", "billing", "billing_admin")
BILLING = ("billing", "billing_admin", "other_company")
MIXIN_SENDING = (
    "action_send_payment_link",
    "send_payment_link",
    "action_expire_payment_links",
    "action_resend_payment_link",
    "action_view_payment_links",
)


def _args(*args, **kwargs):
    return lambda test: (list(args), kwargs)


NO_ARGS = _args()

# Sample arguments of each public method (model, method): a function of the test.
METHODS = {
    ("res.partner", "send_statement_payment_link"): lambda test: (
        ["sms"],
        {"invoice_ids": test.invoices_of(test.current_target).ids},
    ),
    ("account.move", "action_send_statement_payment_link"): NO_ARGS,
    ("payment.link.statement", "send_payment_link"): _args("sms"),
    ("payment.link.statement", "charge_card_on_file"): _args(amount=5),
}

# Who may call what: one line per allowed (model, method, role), on records it may read.
POLICY = {
    **{
        ("res.partner", "send_statement_payment_link", role): "billing users send statements"
        for role in BILLING
    },
    **{
        ("account.move", "action_send_statement_payment_link", role): "billing users, invoices"
        for role in BILLING
    },
    **{
        ("payment.link.statement", method, role): "billing users send the statements' links"
        for method in MIXIN_SENDING
        for role in BILLING
    },
}

# Tables compared before and after each call.
TABLES = (
    "payment_link_statement",
    "payment_link",
    "payment_link_event",
    "payment_transaction",
    "account_move",
    "sms_sms",
    "mail_mail",
    "mail_message",
)


def discover_public_methods(env):
    """``{(model, method)}``: the public methods this addon defines, and those of our addons'
    classes on the models it defines."""
    base_api = set(dir(models.Model))
    own = "odoo.addons.payment_link_sms_statement"
    found = set()
    for name in env.registry:
        Model = env[name]
        own_model = Model._original_module == "payment_link_sms_statement"
        for klass in type(Model).__mro__:
            module = klass.__module__ or ""
            if not (
                module.startswith(own)
                or (own_model and module.startswith("odoo.addons.payment_link_sms"))
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
class TestStatementRightsMatrix(StatementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Other Statements Co")["company"]
        cls.users = {
            "public": cls.env.ref("base.public_user"),
            "portal": new_test_user(
                cls.env, login="st_portal", groups="base.group_portal", partner_id=cls.customer.id
            ),
            "internal": new_test_user(cls.env, login="st_internal", groups="base.group_user"),
            "other_company": new_test_user(
                cls.env,
                login="st_other",
                groups="account.group_account_invoice",
                company_id=cls.other_company.id,
                company_ids=[Command.set(cls.other_company.ids)],
            ),
            "billing": cls.billing_user,
            "billing_admin": new_test_user(
                cls.env,
                login="st_admin",
                groups="account.group_account_manager",
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            ),
        }
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Other Co Customer",
                "mobile": "0622222222",
                "company_id": cls.other_company.id,
            }
        )
        cls.other_invoice = cls._create_posted_invoice(
            cls.other_customer, 70.0, company=cls.other_company
        )

    def setUp(self):
        super().setUp()
        Statement = self.env["payment.link.statement"]
        with self.mock_gateways():
            self.statement = Statement.create(
                Statement._statement_prepare_values(self.customer, self.inv_a | self.inv_b)
            )
            self.statement.send_payment_link("sms")
            self.other_statement = Statement.with_company(self.other_company).create(
                Statement._statement_prepare_values(self.other_customer, self.other_invoice)
            )
        self.current_target = None

    def invoices_of(self, partner):
        if partner == self.other_customer:
            return self.other_invoice
        return self.inv_c

    def _targets(self, model):
        targets = {
            "res.partner": [self.customer, self.other_customer],
            "account.move": [self.inv_c, self.other_invoice],
            "payment.link.statement": [self.statement, self.other_statement],
        }[model]
        # Without the company context of their creation: as RPC sees them.
        return [self.env[model].browse(records.ids) for records in targets]

    def _snapshot(self):
        self.env.flush_all()
        self.env.cr.execute(
            " UNION ALL ".join(
                f"SELECT '{table}', count(*), max(write_date)::text FROM \"{table}\""
                for table in TABLES
            )
        )
        return self.env.cr.fetchall()

    def _call(self, role, model, method, records):
        self.current_target = records
        args, kwargs = METHODS.get((model, method), NO_ARGS)(self)
        Model = self.env[model].with_user(self.users[role])
        before = self._snapshot()
        self.env.invalidate_all()
        error = written = None
        try:
            with self.env.cr.savepoint(flush=False):
                try:
                    api.call_kw(Model, method, [records.ids, *args], kwargs)
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

    def _methods(self):
        return sorted(discover_public_methods(self.env))

    def test_every_public_method_has_a_line(self):
        methods = set(self._methods())
        self.assertIn(("res.partner", "send_statement_payment_link"), methods)
        self.assertIn(("account.move", "action_send_statement_payment_link"), methods)
        self.assertIn(("payment.link.statement", "send_payment_link"), methods)
        unknown = {(model, method) for model, method, _role in POLICY} - methods
        self.assertFalse(unknown, "POLICY lines of methods that do not exist")

    @mute_logger(
        "odoo.models", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule"
    )
    def test_rights_matrix(self):
        failures = []
        calls = 0
        with self.mock_gateways():
            for model, method in self._methods():
                for role in ROLES:
                    user = self.users[role]
                    for records in self._targets(model):
                        readable = records.with_user(user).has_access("read")
                        allowed = readable and (model, method, role) in POLICY
                        error, written = self._call(role, model, method, records)
                        calls += 1
                        where = f"{model}.{method} as {role} on {records}"
                        if allowed:
                            if error is not None and not isinstance(
                                error, (UserError, ValidationError)
                            ):
                                failures.append(f"{where}: crashed ({error!r})")
                            continue
                        if not isinstance(error, (AccessError, UserError)):
                            failures.append(f"{where}: not refused ({error!r})")
                        elif written:
                            failures.append(f"{where}: refused but wrote rows")
        self.assertFalse(failures, "\n".join(failures))
        self.assertGreater(calls, 20)

    def test_billing_user_sends_a_statement_over_rpc(self):
        # The allowed path really works for the role (not only "no crash").
        with self.mock_gateways():
            answer = api.call_kw(
                self.env["res.partner"].with_user(self.billing_user),
                "send_statement_payment_link",
                [self.customer.ids, "sms"],
                {"invoice_ids": self.inv_c.ids},
            )
        self.assertTrue(answer["link_id"])
        self.assertFalse(answer["error"])
