# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rights matrix's machinery, shared by the matrices of the addons (not a test module).

Odoo's RPC calls any public method of a model for any logged-in user. For every model the
addons of this repository define or extend (found in the registry: the classes of its MRO whose
module is one of our addons), every public method our classes define (not Odoo's own
``BaseModel`` API) is called as RPC calls it (``odoo.api.call_kw``) by each role, on records the
role may read and on records it may not. A call is either allowed by a line of ``POLICY`` (the
role, on a record it may read) or refused with an access error, and then nothing was written
(row counts and latest ``write_date`` of our tables and of the tables they touch, compared before
and after).

Each public method belongs to one matrix: that of the addon defining the model, or else of the
addon whose class defines the method, when that addon has its own ``tests/test_rights_matrix.py``;
any other to the engine's (``payment_link_sms``).
"""

import inspect
import os

from odoo import api, models
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.modules.module import get_module_path
from odoo.tools import mute_logger

ENGINE = "payment_link_sms"

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


def args_of(*args, **kwargs):
    """The sample arguments of a call: a function of the test returning ``(args, kwargs)``."""
    return lambda test: (list(args), kwargs)


NO_ARGS = args_of()


def allow(model, methods, roles, reason):
    """Lines of ``POLICY``: ``roles`` may call ``methods`` of ``model``, for ``reason``."""
    return {(model, method, role): reason for method in methods for role in roles}


def _addon_of(module_name):
    parts = (module_name or "").split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["odoo", "addons"] else ""


def _is_ours(addon):
    return addon == ENGINE or addon.startswith(ENGINE + "_")


def _has_own_matrix(addon):
    path = get_module_path(addon, display_warning=False)
    return bool(path) and os.path.isfile(os.path.join(path, "tests", "test_rights_matrix.py"))


def matrix_of(env, model, klass):
    """The addon whose matrix covers the public methods of ``klass`` on ``model``."""
    for addon in (env[model]._original_module, _addon_of(klass.__module__)):
        if addon != ENGINE and _is_ours(addon) and _has_own_matrix(addon):
            return addon
    return ENGINE


def discover_public_methods(env, addon=ENGINE):
    """``{(model, method)}``: the public methods our classes define, callable over RPC, that
    the matrix of ``addon`` covers."""
    base_api = set(dir(models.Model))
    found = set()
    for name in env.registry:
        for klass in type(env[name]).__mro__:
            if not _is_ours(_addon_of(klass.__module__)):
                continue
            methods = [
                attr
                for attr, value in vars(klass).items()
                if not attr.startswith("_") and attr not in base_api and inspect.isfunction(value)
            ]
            if methods and matrix_of(env, name, klass) == addon:
                found.update((name, attr) for attr in methods)
    return found


class _Rollback(Exception):
    pass


class RightsMatrixMixin:
    """The two tests of a matrix, on a ``TransactionCase`` with ``users`` (role -> user),
    ``mock_gateways()`` and ``_targets(model, role)``; the class sets ``ADDON``, ``ROLES``,
    ``METHODS`` and ``POLICY``."""

    ADDON = ENGINE
    ROLES = ()
    METHODS = {}
    POLICY = {}

    def _tables(self):
        """``{table: has write_date}`` of the models we define or extend, and of
        ``TOUCHED_MODELS``."""
        tables = {}
        for name in self.env.registry:
            Model = self.env[name]
            if Model._abstract or not Model._auto or Model._transient:
                continue
            ours = any(_is_ours(_addon_of(klass.__module__)) for klass in type(Model).__mro__)
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

    def check_every_public_method_has_a_line(self):
        registry = self.env.registry
        listed = {key for key in self.METHODS if key[0] in registry}
        discovered = discover_public_methods(self.env, self.ADDON)
        self.assertEqual(
            sorted(discovered - listed),
            [],
            f"public methods without a line in METHODS (and POLICY) of {self.ADDON}'s "
            "test_rights_matrix",
        )
        self.assertEqual(sorted(listed - discovered), [], "lines of methods that do not exist")
        unknown = {(model, method) for model, method, _role in self.POLICY} - set(self.METHODS)
        self.assertFalse(unknown, "POLICY lines of methods not in METHODS")

    @mute_logger(
        "odoo.models", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule"
    )
    def check_rights_matrix(self):
        self.tables = self._tables()
        roles = [role for role in self.ROLES if role in self.users]
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
