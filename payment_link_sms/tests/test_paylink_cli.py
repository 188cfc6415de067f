# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from odoo.tests import tagged

from .common import REPO, PaylinkCliCommon


@tagged("post_install", "-at_install")
class TestPaylinkCli(PaylinkCliCommon):
    """The real `paylink` command, in a subprocess, against the test server over XML-RPC."""

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

    def test_resend_of_a_replaced_link_sends_nothing(self):
        result = self.paylink("send", self.invoice.name, "--sms")
        self.assertEqual(result.returncode, 0, result.stderr)
        first = self.invoice.payment_link_ids
        self.assertEqual(self.paylink("resend", first.name).returncode, 0)
        latest = self.invoice.payment_link_ids.sorted("id")[-1]
        result = self.paylink("resend", first.name)
        self.assertFails(result, 1, f"Link {first.name} was replaced by {latest.name}")
        self.assertEqual(len(self.invoice.payment_link_ids), 2, "nothing sent again")
        self.assertEqual(latest.state, "sent")

    def test_dates_are_shown_in_the_local_time_zone_with_its_name(self):
        """The server keeps UTC; a person reads the time where they are (``TZ``), zone named;
        ``--json`` keeps the server's UTC value for scripts."""
        self.invoice.send_payment_link("sms")
        link = self.invoice.payment_link_ids
        link.sudo().expiration_date = datetime(2026, 12, 8, 10, 0)
        result = self.paylink("status", link.name, tz="Europe/Paris")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"Expires:\s+2026-12-08 11:00 CET\n")
        result = self.paylink("status", link.name, tz="America/New_York")
        self.assertRegex(result.stdout, r"Expires:\s+2026-12-08 05:00 EST\n")
        result = self.paylink("list", tz="Europe/Paris")
        self.assertIn("expires 2026-12-08 11:00 CET", result.stdout)
        result = self.paylink("--json", "status", link.name, tz="Europe/Paris")
        self.assertEqual(json.loads(result.stdout)["expiration_date"], "2026-12-08 10:00:00")

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

    # === credentials === #

    def test_the_api_key_from_a_file_the_environment_or_argv_with_a_warning(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "key")
            path.write_text(self.api_key + "\n")
            path.chmod(0o600)
            result = self.paylink("--api-key-file", str(path), "list", api_key=False)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stderr, "")
            path.chmod(0o644)
            result = self.paylink("list", "--api-key-file", str(path), api_key=False)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("can be read by other users: chmod 600", result.stderr)
            result = self.paylink("--api-key-file", str(Path(tmp, "none")), "list", api_key=False)
            self.assertFails(result, 2, "cannot read the API key file")
        result = self.paylink("--api-key", self.api_key, "list", api_key=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("visible to other users (ps)", result.stderr)
        self.assertNotIn(self.api_key, result.stderr)
        # Neither: not on a terminal, nothing to ask.
        self.assertFails(self.paylink("list", api_key=False), 2, "missing the API key")

    def test_the_api_key_asked_on_a_terminal(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLINK_")}
        env.update(
            PYTHONPATH=str(REPO),
            PAYLINK_URL=self.base_url(),
            PAYLINK_DB=self.env.cr.dbname,
            PAYLINK_USER=self.billing_user.login,
        )
        self.env.flush_all()
        controller, terminal = os.openpty()  # a terminal, as a person typing the key
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "paylink", "list"],
                env=env,
                cwd=str(REPO),
                stdin=terminal,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            prompt = b""
            deadline = time.monotonic() + 60
            while b"API key" not in prompt and time.monotonic() < deadline:
                if select.select([process.stderr], [], [], 1)[0]:
                    chunk = os.read(process.stderr.fileno(), 1024)
                    if not chunk:
                        break  # it ended without asking
                    prompt += chunk
            time.sleep(0.2)  # the prompt is shown, then the echo turned off
            os.write(controller, self.api_key.encode() + b"\n")
            with self.mock_gateways():
                stdout, stderr = process.communicate(timeout=60)
        finally:
            os.close(controller)
            os.close(terminal)
        stderr = (prompt + stderr).decode()
        self.assertEqual(process.returncode, 0, stderr)
        self.assertIn(f"Odoo API key of {self.billing_user.login}", stderr)
        self.assertNotIn(self.api_key, stderr + stdout.decode())

    def test_http_warns_and_credentials_are_never_echoed(self):
        secret_key = "paylink-secret-key-4242"
        result = self.paylink(
            "status", "X", url="http://dispatch:s3cret@paylink.invalid:9", api_key=secret_key
        )
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("is not encrypted", result.stderr)
        self.assertIn("cannot reach http://***@paylink.invalid:9", result.stderr)
        for secret in ("s3cret", secret_key):
            self.assertNotIn(secret, result.stderr + result.stdout)
        # This machine: nothing crosses the network, no warning.
        result = self.paylink("list")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("warning", result.stderr)
