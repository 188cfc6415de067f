# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .. import const
from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestMessageLimit(PaymentLinkCommon):
    """No message storms (issue 22 item 7): a resend resends the document's latest link only,
    and one number or address gets at most N payment messages per hour, whatever sends them."""

    def set_limit(self, count):
        self.env["ir.config_parameter"].sudo().set_param(const.MAX_MESSAGES_PARAM, str(count))

    def sms_to(self, number="+33612345678"):
        return [sms for sms in self._sms if sms["number"] == number]

    def test_ten_messages_an_hour_by_default(self):
        self.env["ir.config_parameter"].sudo().search(
            [("key", "=", const.MAX_MESSAGES_PARAM)]
        ).unlink()
        self.assertEqual(const.MAX_MESSAGES_PER_RECIPIENT_HOUR, 10)
        with self.mock_gateways():
            for _index in range(10):
                self.send_link(process=False)
            with self.assertRaisesRegex(UserError, "already received 10 payment messages"):
                self.send_link(process=False)
        self.assertEqual(len(self.invoice.payment_link_ids), 10)

    def test_a_replaced_link_is_not_resent(self):
        with self.mock_gateways():
            old = self.link_of(self.send_link()[0])
            new = self.env["payment.link"].browse(old.action_resend())
            with self.assertRaisesRegex(UserError, f"replaced by {new.name}"):
                old.action_resend()
            with self.assertRaisesRegex(UserError, "only the latest link"):
                old.with_user(self.billing_user).action_resend_dialog()
            self.process_outboxes()
        self.assertEqual(len(self.sms_to()), 2, "the first send and one resend, no more")
        self.assertEqual(len(self.invoice.payment_link_ids), 2)
        self.assertEqual(new.state, "sent")
        # The document's latest link is still resent.
        with self.mock_gateways():
            newest = self.env["payment.link"].browse(new.action_resend())
        self.assertEqual(newest.state, "sent")
        self.assertEqual(new.replaced_by_id, newest)

    def test_the_api_refuses_past_the_hourly_limit_with_its_reason(self):
        self.set_limit(2)
        with self.mock_gateways():
            self.send_link()
            self.send_link()  # a live link is replaced: the second message to the number
            with self.assertRaisesRegex(
                UserError, r"\+33612345678 of .* already received 2 payment messages in the last"
            ):
                self.invoice.send_payment_link("sms")
            self.process_outboxes()
        self.assertEqual(len(self.sms_to()), 2)
        self.assertEqual(len(self.invoice.payment_link_ids), 2)
        # An hour later the number may be texted again.
        with freeze_time(fields.Datetime.now() + timedelta(minutes=61)), self.mock_gateways():
            answer = self.invoice.send_payment_link("sms")[0]
        self.assertTrue(answer["link_id"])

    def test_the_composer_and_a_resend_refuse_past_the_limit(self):
        self.set_limit(1)
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
            with self.assertRaisesRegex(UserError, "already received 1 payment messages"):
                link.with_user(self.billing_user).action_resend()
            wizard = self.open_send_wizard(self.invoice).save()
            with self.assertRaisesRegex(UserError, "already received 1 payment messages"):
                wizard.action_send_replace()
        self.assertEqual(link.state, "sent", "the refused resend cancelled nothing")
        self.assertEqual(len(self.invoice.payment_link_ids), 1)

    def test_a_bulk_send_stops_at_the_limit_of_each_recipient(self):
        self.set_limit(2)
        invoices = self.invoice | self._create_posted_invoice(self.customer, 10.0)
        invoices |= self._create_posted_invoice(self.customer, 20.0)
        other = self._create_posted_invoice(self.customer_nb, 30.0)
        with self.mock_gateways():
            answers = (invoices | other).send_payment_link("sms")
        sent = [answer for answer in answers if answer["link_id"]]
        refused = [answer for answer in answers if answer["error"]]
        self.assertEqual(len(sent), 3, "two to the customer, one to the other")
        self.assertEqual(len(refused), 1)
        self.assertIn(invoices[2].display_name, refused[0]["error"])
        self.assertIn("already received 2 payment messages", refused[0]["error"])
        # The composer's preview says it before anything is sent.
        form = Form(
            self.env["payment.link.send"].with_context(
                active_model="account.move", active_ids=invoices.ids
            )
        )
        self.assertIn("already received 2 payment messages", form.bulk_preview)

    def test_a_background_send_records_the_refusal(self):
        self.set_limit(1)
        invoices = self.invoice | self._create_posted_invoice(self.customer, 10.0)
        job = (
            self.env["payment.link.send.job"]
            .with_user(self.billing_user)
            ._create_for_documents(invoices, "sms")
        )
        cron = self.env.ref("payment_link_sms.ir_cron_payment_link_send_job_1")
        cron, _progress = cron._add_progress()
        with self.mock_gateways():
            self.env["payment.link.send.job"].with_context(cron.env.context)._cron_send_jobs()
        self.assertEqual(sorted(job.line_ids.mapped("state")), ["failed", "sent"])
        refused = job.line_ids.filtered(lambda line: line.state == "failed")
        self.assertIn("already received 1 payment messages", refused.reason)

    def test_a_reminder_waits_when_the_recipient_got_enough(self):
        self.set_limit(1)
        self.company.payment_link_reminder_days = 3
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        later = fields.Datetime.now() + timedelta(days=58)
        with freeze_time(later), self.mock_gateways():
            # Within the hour, another link reached the same number.
            self.send_link(self._create_posted_invoice(self.customer, 10.0))
            self.env["payment.link"]._cron_send_reminders()
        self.assertFalse(link.reminder_date, "left for the next run")
        self.assertFalse(link.event_ids.filtered(lambda event: event.event_type == "reminder"))
        with freeze_time(later + timedelta(hours=2)), self.mock_gateways():
            self.env["payment.link"]._cron_send_reminders()
        self.assertTrue(link.reminder_date)
