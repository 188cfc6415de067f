# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.payment_link_sms.models.payment_link_event import PaymentLinkEvent

from .common import PayPageCommon
from .test_webhooks import Receiver, verify_stripe_style


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


@tagged("post_install", "-at_install")
class TestPaymentWebhookQueue(PayPageCommon):
    """The outbound webhooks' outbox rows of a payment confirmed by the provider are made by the
    queue, after the provider's answer: the same body, once, signed, in the link's order."""

    def setUp(self):
        super().setUp()
        self.receiver = Receiver(self.env)
        self.addCleanup(self.receiver.stop)
        self.webhook = self.env["payment.link.webhook"].create(
            {"name": "Dispatch", "url": self.receiver.url, "company_id": self.company.id}
        )
        self.Delivery = self.env["payment.link.webhook.delivery"]
        self.Notification = self.env["payment.link.notification"]
        self.link  # noqa: B018 - sent now, its "sent" delivery made in the sender's request
        self.Delivery._cron_deliver()
        self.receiver.requests.clear()

    def deliveries(self, webhook_type):
        return self.Delivery.search(
            [("link_id", "=", self.link.id), ("event_type", "=", webhook_type)], order="id"
        )

    def queued_webhooks(self):
        return self.Notification.sudo().search(
            [("link_id", "=", self.link.id), ("link_event_id", "!=", False)]
        )

    def test_outbox_row_made_once_by_the_queue_and_delivered(self):
        self.pay()
        self.assertEqual(self.link.state, "paid")
        self.assertFalse(self.deliveries("link.paid"), "no outbox row while the provider waits")
        queued = self.queued_webhooks()
        paid_event = self.link.event_ids.filtered(lambda e: e.event_type == "paid")
        self.assertEqual(queued.link_event_id, paid_event)
        body = json.loads(queued.payload)
        self.assertEqual(body["id"], queued.event_uid)
        self.assertEqual(body["type"], "link.paid")
        self.assertEqual(body["data"]["object"]["state"], "paid", "built with the event")
        payload, uid = queued.payload, queued.event_uid
        self.Notification._cron_notify()
        self.Notification._cron_notify()
        delivery = self.deliveries("link.paid")
        self.assertEqual(len(delivery), 1, "made once")
        self.assertEqual((delivery.payload, delivery.event_uid), (payload, uid), "same body")
        self.assertEqual(delivery.link_event_id, paid_event)
        self.assertFalse(self.queued_webhooks())
        self.Delivery._cron_deliver()
        self.assertEqual(len(self.receiver.requests), 1)
        request = self.receiver.requests[0]
        self.assertEqual(request["body"].decode(), payload)
        self.assertEqual(request["headers"]["Paylink-Event-Id"], uid)
        self.assertTrue(
            verify_stripe_style(
                request["headers"]["Paylink-Signature"], request["body"], self.webhook.secret
            )
        )
        self.assertEqual(delivery.state, "done")

    def test_a_later_event_waits_for_the_queued_one(self):
        """An event recorded outside the provider's request (a refund from the back office)
        right after the payment is not sent before the payment's queued one."""
        self.pay()
        self.link._log_events("refunded", reason="Refund from the back office")
        self.assertEqual(len(self.deliveries("link.refunded")), 1, "made at once")
        self.Delivery._cron_deliver()
        self.assertFalse(self.receiver.requests, "the paid event is still queued")
        self.Notification._cron_notify()
        self.Delivery._cron_deliver()
        types = [json.loads(r["body"])["type"] for r in self.receiver.requests]
        self.assertEqual(types, ["link.paid", "link.refunded"])

    def test_a_failure_in_the_queue_is_retried(self):
        self.pay()
        Delivery = type(self.Delivery)
        with (
            patch.object(Delivery, "_create_deliveries", side_effect=RuntimeError("database busy")),
            self.assertLogs(
                "odoo.addons.payment_link_sms.models.payment_link_notification", "WARNING"
            ),
        ):
            self.Notification._cron_notify()
        self.assertFalse(self.deliveries("link.paid"))
        self.assertEqual(self.queued_webhooks().attempts, 1)
        self.Notification._cron_notify()
        self.assertEqual(len(self.deliveries("link.paid")), 1)
        self.assertFalse(self.queued_webhooks())
        self.Delivery._cron_deliver()
        self.assertEqual(len(self.receiver.requests), 1)

    def test_no_endpoint_nothing_queued(self):
        self.webhook.active = False
        self.pay()
        self.assertFalse(self.queued_webhooks())
