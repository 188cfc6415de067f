# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.modules.neutralize import neutralize_database
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import PaymentLinkCommon

from .common import Receiver


@tagged("post_install", "-at_install")
class TestNeutralize(PaymentLinkCommon):
    """A neutralized copy (Odoo's ``neutralize`` command, as staging databases are made) sends
    no webhook and keeps no working webhook secret (``data/neutralize.sql`` of this addon)."""

    def test_a_neutralized_copy_sends_nothing_and_keeps_no_secret(self):
        receiver = Receiver(self.env)
        self.addCleanup(receiver.stop)
        webhook = self.env["payment.link.webhook"].create(
            {
                "name": "Dispatch",
                "url": receiver.url,
                "company_id": self.company.id,
                "user_id": self.env.ref("base.user_admin").id,
            }
        )
        secret = webhook.secret
        with self.mock_gateways():
            self.send_link(channel="both", process=False)
        self.env.flush_all()
        deliveries = self.env["payment.link.webhook.delivery"].search(
            [("webhook_id", "=", webhook.id)]
        )
        self.assertEqual(set(deliveries.mapped("state")), {"pending"})

        with mute_logger("odoo.modules.neutralize"):
            neutralize_database(self.env.cr)
        self.env.invalidate_all()

        self.assertFalse(webhook.active)
        self.assertNotEqual(webhook.secret, secret)
        self.assertEqual(webhook.disabled_reason, "Neutralized database")
        self.assertNotIn("pending", deliveries.mapped("state"))
        self.env["payment.link.webhook.delivery"]._cron_deliver()
        self.assertFalse(receiver.requests, "no webhook leaves a neutralized copy")
