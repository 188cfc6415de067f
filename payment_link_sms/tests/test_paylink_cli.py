# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import tagged

from .common import PaymentLinkCommon
from .test_card_consent import create_demo_card

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

    # === paylink request (desk payment requests) === #

    def _desk_queue(self):
        self.billing_user.groups_id += self.env.ref("payment_link_sms.group_payment_request_agent")
        return self.env["payment.link.queue"].create(
            {
                "name": "Dispatch",
                "provider_ids": [fields.Command.set(self.demo_provider.ids)],
                "user_ids": [fields.Command.set(self.billing_user.ids)],
            }
        )

    def test_request_sends_a_link_and_status_finds_it(self):
        queue = self._desk_queue()
        self.env.ref("base.EUR").active = True
        result = self.paylink(
            "request",
            "--partner",
            "Camille Martin",
            "--amount",
            "120.50",
            "--currency",
            "eur",
            "--reference",
            "Towing Lyon 7",
            "--explanation",
            "Dépannage A7",
            "--queue",
            "Dispatch",
            "--sms",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        request = self.env["payment.request"].search([("reference", "=", "Towing Lyon 7")])
        self.assertEqual(request.queue_id, queue)
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.amount, 120.5)
        self.assertEqual(request.currency_id.name, "EUR")
        self.assertEqual(request.explanation, "Dépannage A7")
        self.assertEqual(request.state, "active")
        link = request.payment_link_ids
        self.assertIn("Sent request Towing Lyon 7", result.stdout)
        self.assertIn(link.token_hint, result.stdout)

        result = self.paylink("--json", "status", "Towing Lyon 7")
        self.assertEqual(result.returncode, 0, result.stderr)
        status = json.loads(result.stdout)
        self.assertEqual(status["reference"], link.name)
        self.assertEqual(status["document"], "Towing Lyon 7")
        self.assertEqual(status["state"], "sent")

    def test_request_json_output(self):
        self._desk_queue()
        result = self.paylink(
            "--json", "request", "--partner", str(self.customer.id), "--amount", "12", "--email"
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        answer = json.loads(result.stdout)
        request = self.env["payment.request"].browse(answer["request_id"])
        self.assertEqual(answer["reference"], request.reference)
        self.assertEqual(answer["link_id"], request.payment_link_ids.id)
        self.assertEqual(answer["state"], "active")
        self.assertFalse(answer["error"])
        self.assertEqual(answer["link"]["channel"], "email")
        self.assertTrue(answer["url"].endswith(request.payment_link_ids.token_hint))

    def test_request_refused_exits_1_with_the_servers_message(self):
        self.billing_user.groups_id += self.env.ref("payment_link_sms.group_payment_request_agent")
        self.assertFails(
            self.paylink("request", "--partner", "Camille Martin", "--amount", "5"),
            1,
            "No payment queues have been defined with the selected transaction type.",
        )
        self._desk_queue()
        self.assertFails(
            self.paylink("request", "--partner", "Camille Martin", "--amount", "-5"),
            1,
            "The amount of a payment request must be more than zero.",
        )
        self.assertFails(
            self.paylink("request", "--partner", "Nobody Atall", "--amount", "5"),
            1,
            "No client named Nobody Atall.",
        )
        self.assertFalse(self.env["payment.request"].search([]))
        self.assertFails(self.paylink("request", "--amount", "5"), 2, "--partner")

    def _consented_card(self, last_digits="4242", default=True):
        card = create_demo_card(
            self.env, self.customer, self.demo_provider, last_digits, is_default=default
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
        # A charge of part of the invoice: a card charge, partly paid, without link or expiry
        # (issue 22 items 1 and 3).
        status = self.paylink("status", answer["reference"])
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("Card charge:", status.stdout)
        self.assertIn("Partly paid", status.stdout)
        self.assertNotIn("/pay/", status.stdout)
        self.assertNotIn("Expires", status.stdout)
        result = self.paylink("charge", self.invoice.name, "--card", str(card.id))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"Card charged for {self.invoice.name}", result.stdout)
        self.assertNotIn("Partly paid", result.stdout)
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
