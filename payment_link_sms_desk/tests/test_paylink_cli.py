# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import fields
from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.common import PaylinkCliCommon


@tagged("post_install", "-at_install")
class TestPaylinkCli(PaylinkCliCommon):
    """`paylink request`: a desk payment request from the command line."""

    # === paylink request (desk payment requests) === #

    def _desk_queue(self):
        self.billing_user.groups_id += self.env.ref(
            "payment_link_sms_desk.group_payment_request_agent"
        )
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
        self.billing_user.groups_id += self.env.ref(
            "payment_link_sms_desk.group_payment_request_agent"
        )
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
