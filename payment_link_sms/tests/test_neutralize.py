# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.modules.neutralize import neutralize_database
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestNeutralize(PaymentLinkCommon):
    """A neutralized copy (Odoo's ``neutralize`` command, as staging databases are made) sends
    no SMS, email or webhook of ours and keeps no working webhook secret."""

    def _webhook(self):
        return self.env["payment.link.webhook"].create(
            {
                "name": "Dispatch",
                "url": "https://hooks.example.com/paylink",
                "company_id": self.company.id,
                "user_id": self.env.ref("base.user_admin").id,
            }
        )

    def test_a_neutralized_copy_sends_nothing_and_keeps_no_secret(self):
        webhook = self._webhook()
        secret = webhook.secret
        with self.mock_gateways():
            answer = self.send_link(channel="both", process=False)[0]
        link = self.link_of(answer)
        self.env.flush_all()
        deliveries = self.env["payment.link.webhook.delivery"].search(
            [("webhook_id", "=", webhook.id)]
        )
        sms = self.env["sms.sms"].sudo().search([("number", "=", link.phone)])
        mails = self.env["mail.mail"].sudo().search([("payment_link_id", "=", link.id)])
        self.assertEqual(set(sms.mapped("state")), {"outgoing"})
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})

        with mute_logger("odoo.modules.neutralize"):
            neutralize_database(self.env.cr)
        self.env.invalidate_all()

        self.assertFalse(webhook.active)
        self.assertNotEqual(webhook.secret, secret)
        self.assertEqual(webhook.disabled_reason, "Neutralized database")
        self.assertNotIn("pending", deliveries.mapped("state"))
        self.assertEqual(set(sms.mapped("state")), {"canceled"})
        self.assertEqual(set(mails.mapped("state")), {"cancel"})
        with self.mock_gateways():
            self.process_outboxes()
            self.env["payment.link.webhook.delivery"]._cron_deliver()
        self.assertFalse(self._sms, "no SMS leaves a neutralized copy")
        self.assertFalse(self._mails, "no email leaves a neutralized copy")
