# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rights matrix's machinery, shared by the matrix of each addon (see
``test_rights_matrix.py`` of the engine, and of each concern addon).

Odoo's RPC calls any public method of a model for any logged-in user. For every model our
addons define or extend, every public method our classes define (not Odoo's own ``BaseModel``
API) is called as RPC calls it (``odoo.api.call_kw``) by each role, on records the role may read
and on records it may not. A call is either allowed by a line of ``POLICY`` (the role, on a
record it may read) or refused with an access error, and then nothing was written (row counts
and latest ``write_date`` of our tables and of the tables they touch, compared before and
after). Each addon's matrix lists its own methods (``discover_public_methods``).
"""

import inspect

from odoo import api, models
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user

from .common import PaymentLinkCommon

ROLES = ("public", "portal", "other_company", "agent", "salesperson", "billing", "billing_admin")
# The user of another company is a billing user there: on its own company's records it may
# what they may; on ours, nothing (the records it may not read are refused). The agent is a
# sender of links who is no billing user (what a desk agent is to the engine).
BILLING = ("billing", "billing_admin", "other_company")
DESK = ("agent", "billing_admin", "other_company")
SENDERS = (*BILLING, "agent", "salesperson")


def _args(*args, **kwargs):
    return lambda test: (list(args), kwargs)


NO_ARGS = _args()


def _allow(model, methods, roles, reason):
    return {(model, method, role): reason for method in methods for role in roles}


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


def _addon_of(module_name):
    """The addon of a Python module (``odoo.addons.<addon>.…``), or None."""
    parts = (module_name or "").split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["odoo", "addons"] else None


def discover_public_methods(env, addons):
    """``{(model, method)}``: the public methods our classes define, callable over RPC, that
    the matrix of ``addons`` covers: the methods of each addon's classes, but every method of
    a model another of our addons defines belongs to that addon (a card request's send is the
    card addon's, a desk request's charge the desk's)."""
    base_api = set(dir(models.Model))
    found = set()
    for name in env.registry:
        model_addon = env[name]._original_module
        for klass in type(env[name]).__mro__:
            klass_addon = _addon_of(klass.__module__)
            if not (klass_addon or "").startswith("payment_link_sms"):
                continue
            # A model of one of our addons (not the engine's) is that addon's, whoever extends
            # it (a desk request's card methods are the desk's); others are the class's addon's.
            owner = (
                model_addon
                if model_addon.startswith("payment_link_sms") and model_addon != "payment_link_sms"
                else klass_addon
            )
            if owner not in addons:
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") or attr in base_api or not inspect.isfunction(value):
                    continue
                found.add((name, attr))
    return found


class _Rollback(Exception):
    pass


class RightsMatrixCase(PaymentLinkCommon):
    """A matrix: ``METHODS`` (``{(model, method): args}``), ``POLICY`` (``{(model, method,
    role): reason}``) and ``ADDONS`` (the addons whose public methods it covers)."""

    METHODS = {}
    POLICY = {}
    ADDONS = ()

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
                groups="account.group_account_invoice",
                company_id=cls.other_company.id,
                company_ids=[Command.set(cls.other_company.ids)],
            ),
            "agent": new_test_user(
                cls.env,
                login="rm_agent",
                groups="payment_link_sms.group_payment_link_user",
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
        cls.other_customer = cls.customer.copy({"company_id": cls.other_company.id})
        cls.other_invoice = cls._create_posted_invoice(
            cls.other_customer, 300.0, company=cls.other_company
        )

    def setUp(self):
        super().setUp()
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
        self.payment = self.env["account.payment"].create(
            {
                "partner_id": self.customer.id,
                "amount": 10.0,
                "payment_type": "inbound",
                "partner_type": "customer",
            }
        )

    # === The records each method is called on === #

    def _target_records(self):
        """``{model: records}``: the records each method of the model is called on, some the
        role may read, some not (extended by each addon's matrix)."""
        return {
            "payment.link.mixin": self.invoice.browse(self.invoice.id),
            "account.move": self.invoice | self.other_invoice,
            "sale.order": self.orders | self.other_orders,
            "account.payment": self.payment,
            "payment.link": self.invoice_link | self.other_link,
            "res.partner": self.customer | self.other_customer,
        }

    def _wizard_targets(self, model, wizard):
        """The wizards of ``model`` (created by the role, ``wizard``) the call is tried on, or
        None when ``model`` is not a wizard of this matrix."""
        if model == "payment.link.send":
            return [
                wizard.create({"res_model": doc._name, "res_ids": repr(doc.ids), "channel": "sms"})
                for doc in (self.invoice,)
            ]
        return None

    def _targets(self, model, role):
        """The records of ``model`` the call is tried on: some the role may read, some not."""
        user = self.users[role]
        if model == "payment.link.mixin":
            return [self.env[model].browse(self.invoice.id)]
        if self.env[model]._transient:
            wizards = self._wizard_targets(model, self.env[model].with_user(user).sudo())
            if wizards is not None:
                return wizards
        return list(self._target_records()[model])

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
        args, kwargs = self.METHODS[(model, method)](self)
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

    # === The two checks of a matrix === #

    def _check_every_public_method_has_a_line(self):
        registry = self.env.registry
        listed = {key for key in self.METHODS if key[0] in registry}
        discovered = discover_public_methods(self.env, self.ADDONS)
        self.assertEqual(
            sorted(discovered - listed),
            [],
            f"public methods without a line in METHODS (and POLICY) of {type(self).__name__}",
        )
        self.assertEqual(sorted(listed - discovered), [], "lines of methods that do not exist")
        unknown = {(model, method) for model, method, _role in self.POLICY} - set(self.METHODS)
        self.assertFalse(unknown, "POLICY lines of methods not in METHODS")

    def _check_rights_matrix(self):
        self.tables = self._tables()
        roles = [role for role in ROLES if role in self.users]
        failures = []
        calls = 0
        with self.mock_gateways():
            for model, method in sorted(self.METHODS):
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
                        allowed = readable and (model, method, role) in self.POLICY
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
        self.assertGreater(calls, len(self.METHODS))
