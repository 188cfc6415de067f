# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .. import utils
from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestLinkLifecycle(PaymentLinkCommon):
    def test_send_by_sms_creates_a_tracked_link(self):
        with self.mock_gateways():
            answer = self.send_link(channel="sms")[0]
        link = self.link_of(answer)
        token = self.token_of(answer)
        self.assertEqual(answer["document_id"], self.invoice.id)
        self.assertEqual(answer["state"], "sent")
        self.assertEqual(answer["url"], f"https://pay.example.com/pay/{token}")
        self.assertGreaterEqual(len(token), 22, "128 bits of entropy, URL-safe")
        self.assertEqual(link.token_hint, token[-4:])
        self.assertEqual(link.sudo().token_hash, utils.hash_token(token))
        self.assertEqual(link.masked_url, f"https://pay.example.com/pay/\u2026{token[-4:]}")
        self.assertEqual(link.invoice_id, self.invoice)
        self.assertEqual((link.res_model, link.res_id), ("account.move", self.invoice.id))
        self.assertEqual(link.partner_id, self.customer)
        self.assertEqual(link.amount, 1234.56)
        self.assertEqual(link.phone, "+33612345678")
        self.assertEqual(link.lang, "fr_FR")
        self.assertEqual(link.state, "sent")
        self.assertTrue(link.name.startswith("PL/"))
        self.assertAlmostEqual(
            link.expiration_date,
            fields.Datetime.now() + timedelta(days=60),
            delta=timedelta(minutes=5),
        )
        self.assertEqual(answer["expiration_date"], fields.Datetime.to_string(link.expiration_date))
        # Exactly one SMS, to the E.164 number, carrying the full link.
        self.assertEqual(len(self._sms), 1)
        self.assertSMSIapSent(["+33612345678"], content=answer["url"])
        self.assertSMS(self.customer, "+33612345678", "pending")  # kept, its link masked
        self.assertEqual(link.sms_state, "accepted")
        self.assertEqual(link.event_ids.sorted("id").mapped("event_type"), ["created", "sent"])
        sent = link.event_ids.filtered(lambda e: e.event_type == "sent")
        self.assertEqual(sent.channel, "sms")
        self.assertEqual(sent.recipient, "+33612345678")
        self.assertNotIn(token, sent.message)
        self.assertIn(f"\u2026{token[-4:]}", sent.message)
        # The invoice shows the state of its latest link.
        self.assertEqual(self.invoice.payment_link_state, "sent")
        self.assertEqual(self.invoice.payment_link_expiration_date, link.expiration_date)
        self.assertEqual(self.invoice.payment_link_days_left, 60)

    def test_chatter_summary_is_masked(self):
        with self.mock_gateways():
            answer = self.send_link(channel="both")[0]
        token = self.token_of(answer)
        messages = self.invoice.message_ids
        summary = messages.filtered(lambda m: "PL/" in (m.body or ""))[:1]
        self.assertTrue(summary, "the sending is summarised in the invoice chatter")
        self.assertIn("+33612345678", summary.body)
        self.assertIn("camille.martin@example.com", summary.body)
        for message in self.env["mail.message"].search([]):
            self.assertNotIn(token, message.body or "")

    def test_send_by_email(self):
        with self.mock_gateways():
            answer = self.send_link(channel="email")[0]
        link = self.link_of(answer)
        self.assertEqual(len(self._mails), 1)
        mail = self._mails[0]
        self.assertEqual(mail["email_to"], ["camille.martin@example.com"])
        self.assertIn(answer["url"], mail["body"])
        self.assertIn("INV/", mail["subject"])
        self.assertEqual(link.email_state, "delivered")
        self.assertEqual(self._sms, [])
        self.assertEqual(
            sorted(link.event_ids.mapped("event_type")), ["created", "delivered", "sent"]
        )

    def test_expire(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        link.with_user(self.billing_user).action_expire()
        self.assertEqual(link.state, "expired")
        expired = link.event_ids.filtered(lambda e: e.event_type == "expired")
        self.assertEqual(expired.user_id, self.billing_user)
        self.assertEqual(self.invoice.payment_link_state, "expired")
        # Expiring twice is a no-op, not an error.
        link.action_expire()
        self.assertEqual(len(link.event_ids.filtered(lambda e: e.event_type == "expired")), 1)

    def test_resend_cancels_and_issues_a_new_link(self):
        with self.mock_gateways():
            old = self.link_of(self.send_link(channel="both")[0])
            new_id = old.with_user(self.billing_user).action_resend()
            self.process_outboxes()
        new = self.env["payment.link"].browse(new_id)
        self.assertNotEqual(new, old)
        self.assertEqual(old.state, "cancelled")
        self.assertEqual(old.replaced_by_id, new)
        self.assertEqual(new.state, "sent")
        self.assertEqual(new.channel, "both")
        self.assertEqual(new.phone, old.phone)
        self.assertGreater(new.expiration_date, old.expiration_date - timedelta(seconds=1))
        self.assertIn("resent", old.event_ids.mapped("event_type"))
        self.assertIn("cancelled", old.event_ids.mapped("event_type"))
        self.assertEqual(len(self._sms), 2)
        self.assertEqual(self.invoice.payment_link_state, "sent")
        self.assertEqual(self.invoice.payment_link_count, 2)

    def test_cron_expires_due_links(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        with freeze_time(fields.Datetime.now() + timedelta(days=59)):
            self.env["payment.link"]._cron_expire_links()
            self.assertEqual(link.state, "sent")
        with freeze_time(fields.Datetime.now() + timedelta(days=61)):
            self.env["payment.link"]._cron_expire_links()
        self.assertEqual(link.state, "expired")
        self.assertEqual(
            link.event_ids.filtered(lambda e: e.event_type == "expired").reason, "Validity ended"
        )

    def test_validity_follows_the_company_setting(self):
        self.company.payment_link_validity_days = 7
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        self.assertAlmostEqual(
            link.expiration_date,
            fields.Datetime.now() + timedelta(days=7),
            delta=timedelta(minutes=5),
        )

    def test_registering_a_payment_marks_the_link_paid(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(link.state, "paid")
        self.assertFalse(link.paid_transaction_id, "paid outside the link")

    def test_partial_payment_keeps_the_link_live(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({"amount": 234.56})._create_payments()
        self.assertEqual(link.state, "sent")
        self.assertAlmostEqual(link._get_amount_due(), 1000.0)

    def test_reset_to_draft_cancels_the_link(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        self.invoice.button_draft()
        self.assertEqual(link.state, "cancelled")
        self.assertEqual(
            link.event_ids.filtered(lambda e: e.event_type == "cancelled").reason,
            "The invoice was reset to draft",
        )

    def test_cancelling_the_invoice_cancels_the_link(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        self.invoice.button_cancel()
        self.assertEqual(link.state, "cancelled")

    def test_reversal_cancels_the_link(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        self.invoice._reverse_moves(cancel=True)
        self.assertEqual(self.invoice.payment_state, "reversed")
        self.assertEqual(link.state, "cancelled")

    def test_events_cannot_be_changed_or_deleted(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        event = link.event_ids[:1]
        with self.assertRaises(UserError):
            event.sudo().write({"reason": "tampered"})
        with self.assertRaises(UserError):
            event.sudo().unlink()
        with self.assertRaises(UserError):
            link.sudo().unlink()
        self.assertTrue(event.exists())
        self.assertFalse(event.reason)
