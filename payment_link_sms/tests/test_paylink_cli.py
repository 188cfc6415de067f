# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import tagged

from .common import PaymentLinkCommon

# The repository root, where the `paylink` package lives beside the addons.
REPO = Path(__file__).resolve().parents[2]


@tagged("post_install", "-at_install")
class TestPaylinkCli(PaymentLinkCommon):
    """The real `paylink` command, in a subprocess, against the test server over XML-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.billing_user)
            ._generate("rpc", "paylink tests", fields.Datetime.now() + timedelta(days=1))
        )

    def paylink(self, *args, api_key=None, url=None):
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "PAYLINK_URL": url or self.base_url(),
            "PAYLINK_DB": self.env.cr.dbname,
            "PAYLINK_USER": self.billing_user.login,
            "PAYLINK_API_KEY": api_key or self.api_key,
        }
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

    def test_help_lists_every_command(self):
        result = self.paylink("--help")
        self.assertEqual(result.returncode, 0)
        for command in ("send", "status", "expire", "resend", "charge", "list"):
            self.assertIn(command, result.stdout)

    def test_send_then_status_expire_resend_list(self):
        result = self.paylink("--json", "send", self.invoice.name, "--sms")
        self.assertEqual(result.returncode, 0, result.stderr)
        sent = json.loads(result.stdout)
        link = self.invoice.payment_link_ids
        self.assertEqual(len(link), 1)
        self.assertEqual(sent["reference"], link.name)
        self.assertEqual(sent["state"], "sent")
        self.assertEqual(sent["document"], self.invoice.display_name)
        self.assertTrue(sent["url"].endswith(link.token_hint))
        self.assertEqual(link.sender_id, self.billing_user)
        self.assertEqual(link.phone, "+33612345678")

        result = self.paylink("status", link.name, "-v")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("State:", result.stdout)
        self.assertIn("sent", result.stdout)
        self.assertIn(f"1234.56 {self.invoice.currency_id.name}", result.stdout)
        self.assertIn("Events:", result.stdout)
        self.assertNotIn(sent["url"], result.stdout)  # only the masked link afterwards

        result = self.paylink("status", self.invoice.name, "-v", "--json")
        status = json.loads(result.stdout)
        self.assertEqual(status["reference"], link.name)
        self.assertEqual(
            [event["event"] for event in status["events"]],
            [event.event_type for event in link.event_ids.sorted("id")],
        )
        self.assertIn("sent", [event["event"] for event in status["events"]])

        result = self.paylink("resend", link.name, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        resent = json.loads(result.stdout)
        new_link = self.env["payment.link"].browse(resent["id"])
        self.assertNotEqual(new_link, link)
        self.assertEqual(link.state, "cancelled")
        self.assertEqual(new_link.state, "sent")

        result = self.paylink("expire", self.invoice.name)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), f"{new_link.name}: expired")
        self.assertEqual(new_link.state, "expired")

        result = self.paylink("--json", "list", "--state", "expired")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([row["reference"] for row in json.loads(result.stdout)], [new_link.name])
        result = self.paylink("list", "--since", "2000-01-01")
        self.assertIn(link.name, result.stdout)
        self.assertIn(new_link.name, result.stdout)

    def test_send_uses_the_company_default_channel(self):
        self.company.payment_link_default_channel = "email"
        result = self.paylink("--json", "send", self.invoice.name)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["channel"], "email")
        self.assertEqual(self.invoice.payment_link_ids.email, self.customer.email)

    def test_refused_operations_exit_1_with_the_servers_message(self):
        result = self.paylink("send", "INV/1999/99999")
        self.assertFails(result, 1, "No invoice or order numbered INV/1999/99999.")
        result = self.paylink("status", "PL/1999/00001")
        self.assertFails(result, 1, "No invoice or order numbered PL/1999/00001.")
        result = self.paylink("send", self.invoice.name, "--phone", "12")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertFalse(self.invoice.payment_link_ids)
        result = self.paylink("status", self.invoice.name)
        self.assertFails(result, 1, "has no payment link")
        result = self.paylink("list", "--since", "yesterday")
        self.assertFails(result, 1, "Invalid date yesterday: use YYYY-MM-DD.")
        result = self.paylink("list", "--state", "lost")
        self.assertFails(result, 1, "Unknown state lost")

    def test_bad_usage_exits_2(self):
        self.assertFails(self.paylink("send"), 2, "required: INVOICE_OR_ORDER_NUMBER")
        self.assertFails(self.paylink("send", "X", "--sms", "--email"), 2, "not allowed with")
        self.assertFails(self.paylink("wire", "X"), 2, "invalid choice: 'wire'")
        self.assertFails(self.paylink("list", "--limit", "many"), 2, "invalid int value")

    def test_bad_credentials_or_server_exit_3(self):
        result = self.paylink("status", "X", api_key="not-a-key")
        self.assertFails(result, 3, "authentication failed for user 'billing_user'")
        result = self.paylink("status", "X", url="http://127.0.0.1:9")
        self.assertFails(result, 3, "cannot reach http://127.0.0.1:9")

    def _consented_card(self, last_digits="4242", default=True):
        card = (
            self.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": self.demo_provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_card").id,
                    "partner_id": self.customer.id,
                    "payment_details": last_digits,
                    "provider_ref": f"demo-cli-{last_digits}",
                    "demo_simulated_state": "done",
                    "is_default": default,
                }
            )
        )
        self.env["payment.consent"].sudo().create({"token_id": card.id, "method": "phone"})
        return card

    def test_charge_the_card_on_file(self):
        card = self._consented_card()
        result = self.paylink("--json", "charge", self.invoice.name, "--amount", "100.50")
        self.assertEqual(result.returncode, 0, result.stderr)
        answer = json.loads(result.stdout)
        self.assertEqual(answer["state"], "paid")
        self.assertEqual(card.transaction_ids.amount, 100.50)
        self.assertEqual(card.transaction_ids.state, "done")
        result = self.paylink("charge", self.invoice.name, "--card", str(card.id))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("paid", result.stdout)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))

    def test_charge_refused(self):
        card = self._consented_card(default=False)
        result = self.paylink("charge", self.invoice.name)
        self.assertFails(result, 1, "has no default card that can be charged")
        result = self.paylink("charge", self.invoice.name, "--card", str(card.id), "--amount", "0")
        self.assertFails(result, 1, "The amount to charge must be positive.")
        self.assertFalse(card.transaction_ids)
        declined = self._consented_card("4000", default=False)
        declined.demo_simulated_state = "error"
        result = self.paylink("charge", self.invoice.name, "--card", str(declined.id))
        self.assertFails(result, 1, "declined: The card was declined")
        self.assertFails(self.paylink("charge", self.invoice.name, "--card", "x"), 2, "invalid int")
