# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""`paylink charge`: the card on file of a document's customer, charged from the command line."""

import json

from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.common import PaylinkCliCommon

from .common import create_demo_card


@tagged("post_install", "-at_install")
class TestPaylinkCli(PaylinkCliCommon):
    def _consented_card(self, last_digits="4242", default=True):
        card = create_demo_card(self.env, self.customer, self.demo_provider, last_digits)
        card.is_default = default  # a customer's first card is their default one
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

    def test_charge_the_only_card(self):
        # Issue 22, item 4: without --card, the customer's only card is charged.
        card = self._consented_card(default=False)
        result = self.paylink("charge", self.invoice.name, "--amount", "10")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Card •••• 4242", result.stdout)
        self.assertEqual(card.transaction_ids.state, "done")

    def test_charge_refused(self):
        card = self._consented_card(default=False)
        other = self._consented_card("5555", default=False)
        result = self.paylink("charge", self.invoice.name)
        # Several cards and none is the default: the refusal lists them and names --card.
        self.assertFails(result, 1, f"Card •••• 5555 #{other.id}")
        self.assertIn("--card ID", result.stderr)
        self.assertFalse((card | other).transaction_ids)
        result = self.paylink("charge", self.invoice.name, "--card", str(card.id), "--amount", "0")
        self.assertFails(result, 1, "The amount to charge must be positive.")
        self.assertFalse(card.transaction_ids)
        declined = self._consented_card("4000", default=False)
        declined.demo_simulated_state = "error"
        result = self.paylink("charge", self.invoice.name, "--card", str(declined.id))
        self.assertFails(result, 1, "declined: The card was declined")
        self.assertFails(self.paylink("charge", self.invoice.name, "--card", "x"), 2, "invalid int")
