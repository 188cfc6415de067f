# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestNotificationQueue(PaymentLinkCommon):
    def test_notification_email_is_queued_not_sent_in_the_request(self):
        self.billing_user.notification_type = "email"
        self.invoice.invoice_user_id = self.billing_user
        with self.mock_gateways():
            link = self.link_of(self.send_link(channel="sms")[0])
        mail_cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", mail_cron.id)])
        with self.mock_mail_gateway():
            link._mark_paid(reason="Paid by bank transfer")
            self.assertFalse(self._mails, "nothing is sent while the payment is recorded")
            note = self.invoice.message_ids.filtered(
                lambda m: self.billing_user.partner_id in m.partner_ids
            )
            self.assertIn("paid", note.subject)
            mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", note.id)])
            self.assertEqual(mail.state, "outgoing")
            self.assertIn(self.billing_user.partner_id, mail.recipient_ids)
            self.assertGreater(
                self.env["ir.cron.trigger"].search_count([("cron_id", "=", mail_cron.id)]),
                len(triggers),
                "the email queue runs right after the commit",
            )
            mail.send()
            self.assertEqual(len(self._mails), 1)
            self.assertIn(self.billing_user.email, self._mails[0]["email_to"][0])

    def test_link_email_goes_out_right_after_the_commit(self):
        """The customer's email is queued like the SMS, and Odoo's email queue is triggered for
        it (else it waits for the hourly queue run)."""
        mail_cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", mail_cron.id)])
        with self.mock_gateways():
            link = self.link_of(self.send_link(channel="email", process=False)[0])
        self.assertEqual(link.email_state, "queued")
        self.assertGreater(Trigger.search_count([("cron_id", "=", mail_cron.id)]), before)
