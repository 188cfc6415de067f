# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.payment_link_sms.models.payment_link_event import PaymentLinkEvent

from .common import PayPageCommon


@tagged("post_install", "-at_install")
class TestPaymentNotifyQueue(PayPageCommon):
    """A payment confirmed by the provider is answered at once; the link's state and its audit
    event are written with it, the document's message and the pop-ups follow from the queue."""

    def paid_notes(self):
        return self.invoice.message_ids.filtered(
            lambda m: m.subject == f"Payment link {self.link.name} paid"
        )

    def paid_pop_ups(self):
        title = f"Payment link {self.link.name} paid"
        return self.env["bus.bus"].sudo().search([("message", "like", title)])

    def queued(self):
        return self.env["payment.link.notification"].sudo().search([("link_id", "=", self.link.id)])

    def test_paid_by_the_provider_then_notified_once_by_the_queue(self):
        cron = self.env.ref("payment_link_sms.ir_cron_payment_link_notify")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        tx = self.pay()
        # Within the provider's request: paid and audited, the notification queued.
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(len(self.link.event_ids.filtered(lambda e: e.event_type == "paid")), 1)
        self.assertFalse(self.paid_notes(), "not posted while the provider waits")
        self.assertFalse(self.paid_pop_ups())
        self.assertEqual(self.queued().event_type, "paid")
        self.env.cr.precommit.run()  # what the commit does before committing
        self.assertEqual(
            Trigger.search_count([("cron_id", "=", cron.id)]), triggers + 1, "runs after the commit"
        )
        # The queue's run posts it, once.
        self.env["payment.link.notification"]._cron_notify()
        self.assertEqual(len(self.paid_notes()), 1)
        self.assertIn(self.billing_user.partner_id, self.paid_notes().partner_ids)
        self.assertTrue(self.paid_pop_ups())
        self.assertFalse(self.queued())
        pop_ups = len(self.paid_pop_ups())
        self.env["payment.link.notification"]._cron_notify()
        self.assertEqual(len(self.paid_notes()), 1, "exactly once")
        self.assertEqual(len(self.paid_pop_ups()), pop_ups)

    def test_failed_notification_is_kept_and_posted_at_the_next_run(self):
        self.pay()
        with (
            patch.object(
                PaymentLinkEvent, "_notify_stage", side_effect=RuntimeError("mail server down")
            ),
            self.assertLogs(
                "odoo.addons.payment_link_sms.models.payment_link_notification", "WARNING"
            ) as logs,
        ):
            self.env["payment.link.notification"]._cron_notify()
        self.assertIn("kept queued", logs.output[0])
        self.assertEqual(self.link.state, "paid", "the payment itself is not undone")
        self.assertFalse(self.paid_notes())
        item = self.queued()
        self.assertEqual(item.attempts, 1)
        self.assertIn("mail server down", item.last_error)
        self.env["payment.link.notification"]._cron_notify()
        self.assertEqual(len(self.paid_notes()), 1, "nothing lost")
        self.assertFalse(self.queued())

    def test_a_notification_is_posted_and_unqueued_together(self):
        """Posted and removed from the queue in one step: a failure after the message is posted
        undoes the message too (no duplicate at the retry)."""
        self.pay()
        Notification = type(self.env["payment.link.notification"])
        with (
            patch.object(Notification, "unlink", side_effect=RuntimeError("worker stopped")),
            self.assertLogs(
                "odoo.addons.payment_link_sms.models.payment_link_notification", "WARNING"
            ),
        ):
            self.env["payment.link.notification"]._cron_notify()
        self.assertFalse(self.paid_notes(), "rolled back with the queue's row")
        self.env["payment.link.notification"]._cron_notify()
        self.assertEqual(len(self.paid_notes()), 1)

    def test_outside_a_provider_notification_the_note_is_posted_at_once(self):
        self.link._mark_paid(reason="Paid by bank transfer")
        self.assertEqual(len(self.paid_notes()), 1)
        self.assertFalse(self.queued())

    def test_one_trigger_per_transaction(self):
        """A transaction that queues several notifications triggers the queue once."""
        cron = self.env.ref("payment_link_sms.ir_cron_payment_link_notify")
        Trigger = self.env["ir.cron.trigger"].sudo()
        self.env.cr.precommit.run()
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        Event = self.env["payment.link.event"].with_context(payment_link_defer_notify=True)
        Event._notify_stage(self.link, "opened")
        Event._notify_stage(self.link, "payment_failed", reason="Declined")
        self.assertEqual(len(self.queued()), 2)
        self.env.cr.precommit.run()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)
