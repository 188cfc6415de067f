# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rights matrix of the webhooks: every public method of this addon, called as RPC calls it
(``odoo.api.call_kw``) by each role, on an endpoint and a delivery of the role's company or
not. A call is allowed by a line of ``POLICY`` (on records the role may read) or refused with
an access error, and then nothing was written. The engine's matrix leaves these methods to
this one (``discover_public_methods`` of the engine's ``tests/common.py``)."""

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import (
    PaymentLinkCommon,
    call_as_rpc,
    discover_public_methods,
)

ROLES = ("public", "portal", "billing", "billing_admin", "other_admin", "admin")

# Every public method of this addon's classes (model, method).
METHODS = {
    ("payment.link.webhook", "action_rotate_secret"),
    ("payment.link.webhook", "action_view_deliveries"),
    ("payment.link.webhook.delivery", "action_retry"),
}

# Who may call what, and why: the endpoints and their log are the system administrators' own
# (access rights), in their companies (record rules).
POLICY = {
    (model, method, "admin"): "the administrators configure the company's endpoints"
    for model, method in METHODS
}


@tagged("post_install", "-at_install")
class TestRightsMatrix(PaymentLinkCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        other_company = cls.setup_other_company(name="Other Webhook Co")["company"]
        own = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.users = {
            "public": cls.env.ref("base.public_user"),
            "portal": new_test_user(cls.env, login="whm_portal", groups="base.group_portal"),
            "billing": cls.billing_user,
            "billing_admin": new_test_user(
                cls.env, login="whm_billing_admin", groups="account.group_account_manager", **own
            ),
            "other_admin": new_test_user(
                cls.env,
                login="whm_other_admin",
                groups="base.group_system",
                company_id=other_company.id,
                company_ids=[Command.set(other_company.ids)],
            ),
            "admin": new_test_user(cls.env, login="whm_admin", groups="base.group_system", **own),
        }
        cls.webhook = (
            cls.env["payment.link.webhook"]
            .sudo()
            .create(
                {
                    "name": "Matrix",
                    "url": "https://93.184.215.14/hook",
                    "company_id": cls.company.id,
                }
            )
        )
        cls.delivery = (
            cls.env["payment.link.webhook.delivery"]
            .sudo()
            .create(
                {
                    "webhook_id": cls.webhook.id,
                    "event_uid": "matrix-1",
                    "event_type": "link.sent",
                    "state": "failed",
                }
            )
        )
        cls.targets = {
            "payment.link.webhook": cls.webhook,
            "payment.link.webhook.delivery": cls.delivery,
        }

    def _snapshot(self):
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT (SELECT count(*) FROM payment_link_webhook),
                   (SELECT max(write_date)::text FROM payment_link_webhook),
                   (SELECT count(*) FROM payment_link_webhook_delivery),
                   (SELECT max(write_date)::text FROM payment_link_webhook_delivery),
                   (SELECT count(*) FROM mail_message)
            """
        )
        return self.env.cr.fetchall()

    def test_every_public_method_has_a_line(self):
        discovered = discover_public_methods(self.env, include="payment_link_sms_webhook")
        self.assertEqual(sorted(discovered - METHODS), [], "public methods without a line")
        self.assertEqual(sorted(METHODS - discovered), [], "lines of methods that do not exist")
        engine_found = discover_public_methods(self.env)
        self.assertFalse(METHODS & engine_found, "left to this matrix by the engine's")

    @mute_logger(
        "odoo.models", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule"
    )
    def test_rights_matrix(self):
        failures = []
        allowed_calls = 0
        for model, method in sorted(METHODS):
            records = self.targets[model]
            for role in ROLES:
                readable = records.with_user(self.users[role]).has_access("read")
                allowed = readable and (model, method, role) in POLICY
                allowed_calls += allowed
                error, written = call_as_rpc(
                    self.env,
                    self.env[model].with_user(self.users[role]),
                    method,
                    [records.ids],
                    {},
                    self._snapshot,
                )
                where = f"{model}.{method} as {role}"
                if allowed:
                    if error is not None:
                        failures.append(f"{where}: refused ({error!r})")
                    continue
                if not isinstance(error, AccessError):
                    failures.append(f"{where}: not refused ({error!r})")
                elif written:
                    failures.append(f"{where}: refused but wrote rows")
        self.assertFalse(failures, "\n".join(failures))
        self.assertEqual(allowed_calls, len(POLICY), "every POLICY line is called")
