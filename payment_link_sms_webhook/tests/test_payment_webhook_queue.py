# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.common import PayPageCommon

from .common import Receiver, verify_stripe_style


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

    def test_a_refund_fires_the_refunded_event(self):
        """A refund of a paid link from the back office (``payment.link.action_refund``, with
        ``payment_demo``) gives the refunded event's outbox row at once."""
        self.pay()
        self.Notification._cron_notify()
        self.link.with_user(self.billing_user).action_refund()
        self.assertEqual(len(self.deliveries("link.refunded")), 1, "the refunded event fires")
