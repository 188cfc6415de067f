# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StatementCommon

# The repository root, where the `paylink` package lives beside the addons.
REPO = Path(__file__).resolve().parents[2]


@tagged("post_install", "-at_install")
class TestPaylinkStatement(StatementCommon):
    """`paylink statement`, the real command in a subprocess, against the test server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.billing_user)
            ._generate("rpc", "paylink tests", fields.Datetime.now() + timedelta(days=1))
        )

    def paylink(self, *args):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PAYLINK_")},
            "PYTHONPATH": str(REPO),
            "PAYLINK_URL": self.base_url(),
            "PAYLINK_DB": self.env.cr.dbname,
            "PAYLINK_USER": self.billing_user.login,
            "PAYLINK_API_KEY": self.api_key,
        }
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

    def test_statement_of_named_invoices(self):
        result = self.paylink(
            "--json",
            "statement",
            self.customer.name,
            "--invoice",
            self.inv_a.name,
            "--invoice",
            self.inv_c.name,
            "--email",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        sent = json.loads(result.stdout)
        statement = self.env["payment.link.statement"].search([("name", "=", sent["statement"])])
        self.assertEqual(statement.invoice_ids, self.inv_a | self.inv_c)
        self.assertEqual(sent["invoice_ids"], (self.inv_a | self.inv_c).ids)
        self.assertAlmostEqual(sent["statement_amount"], 400.0)
        self.assertEqual(sent["channel"], "email")
        self.assertEqual(statement.payment_link_ids.sender_id, self.billing_user)

    def test_statement_of_all_open_invoices_by_id(self):
        result = self.paylink("statement", str(self.customer.id))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Sent statement ST/", result.stdout)
        self.assertIn("of 4 invoice(s) by sms", result.stdout)

    @mute_logger("odoo.http")
    def test_refusals_exit_1_with_one_line(self):
        for args, message in (
            (("statement", "Nobody Here"), "No customer named Nobody Here."),
            (("statement", self.customer.name, "--invoice", "INV/1999/1"), "No invoice"),
            (
                ("statement", self.customer_en.name, "--invoice", self.inv_a.name),
                "several customers",
            ),
            (("statement", self.customer_en.name), "has no open invoice"),
        ):
            result = self.paylink(*args)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertIn(message, result.stderr.strip().splitlines()[-1])
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertFalse(self.env["payment.link.statement"].search([]))
