# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import calendar
import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import PaymentLinkCommon

from .common import Receiver, verify_stripe_style


@tagged("post_install", "-at_install")
class TestWebhooks(PaymentLinkCommon):
    def setUp(self):
        super().setUp()
        self.receiver = Receiver(self.env)
        self.addCleanup(self.receiver.stop)
        self.admin = self.env.ref("base.user_admin")
        self.webhook = self.env["payment.link.webhook"].create(
            {
                "name": "Dispatch",
                "url": self.receiver.url,
                "company_id": self.company.id,
                "user_id": self.admin.id,
            }
        )
        self.Delivery = self.env["payment.link.webhook.delivery"]

    def deliver(self):
        return self.Delivery._cron_deliver()

    def send(self):
        with self.mock_gateways():
            answer = self.send_link()[0]
        return answer, self.link_of(answer)

    def test_signed_event_without_token(self):
        answer, link = self.send()
        delivery = self.Delivery.search([("link_id", "=", link.id)])
        self.assertEqual(delivery.event_type, "link.sent")  # "created" is not sent
        self.assertEqual(delivery.state, "pending")
        self.assertFalse(self.receiver.requests, "nothing is sent in the sender's request")

        now = fields.Datetime.now()
        with freeze_time(now):
            self.deliver()
        self.assertEqual(len(self.receiver.requests), 1)
        request = self.receiver.requests[0]
        header = request["headers"]["Paylink-Signature"]
        secret = self.webhook.secret
        self.assertTrue(secret.startswith("whsec_"))
        unix_now = calendar.timegm(now.utctimetuple())
        self.assertTrue(
            verify_stripe_style(header, request["body"], secret, tolerance=300, now=unix_now)
        )
        self.assertFalse(verify_stripe_style(header, request["body"] + b" ", secret))
        self.assertFalse(verify_stripe_style(header, request["body"], secret + "x"))
        body = json.loads(request["body"])
        self.assertEqual(body["id"], request["headers"]["Paylink-Event-Id"])
        self.assertEqual(body["type"], "link.sent")
        self.assertEqual(body["data"]["object"]["reference"], link.name)
        self.assertEqual(body["data"]["object"]["document"]["name"], self.invoice.name)
        self.assertEqual(body["data"]["object"]["amount"], 1234.56)
        token = self.token_of(answer)
        self.assertEqual(body["data"]["object"]["token_last4"], token[-4:])
        raw = request["body"].decode()
        self.assertNotIn(token, raw)
        self.assertNotIn(token[:-4], raw)
        self.assertNotIn("/pay/", raw)
        self.assertEqual(delivery.state, "done")
        self.assertEqual(delivery.attempt_count, 1)
        self.assertTrue(self.webhook.last_success_date)

    def test_retry_after_500_with_the_same_event(self):
        self.receiver.statuses = [500]
        _answer, link = self.send()
        delivery = self.Delivery.search([("link_id", "=", link.id)])
        now = fields.Datetime.now()
        with freeze_time(now):
            self.deliver()
        self.assertEqual(delivery.state, "pending")
        self.assertIn("HTTP 500", delivery.last_error)
        self.assertEqual(delivery.last_status_code, 500)
        self.assertEqual(delivery.next_attempt_date, now + timedelta(seconds=60))
        self.assertEqual(self.webhook.failing_since, now)
        with freeze_time(now + timedelta(seconds=30)):
            self.deliver()  # not due yet
        self.assertEqual(len(self.receiver.requests), 1)
        with freeze_time(now + timedelta(seconds=61)):
            self.deliver()
        self.assertEqual(len(self.receiver.requests), 2)
        first, second = self.receiver.requests
        self.assertEqual(
            first["headers"]["Paylink-Event-Id"], second["headers"]["Paylink-Event-Id"]
        )
        self.assertEqual(first["body"], second["body"])
        self.assertNotEqual(
            first["headers"]["Paylink-Signature"], second["headers"]["Paylink-Signature"]
        )
        self.assertTrue(
            verify_stripe_style(
                second["headers"]["Paylink-Signature"], second["body"], self.webhook.secret
            )
        )
        self.assertEqual(delivery.state, "done")
        self.assertEqual(delivery.attempt_count, 2)
        self.assertFalse(self.webhook.failing_since)

    def test_events_of_a_link_in_order(self):
        self.receiver.statuses = [503]
        _answer, link = self.send()
        link.action_expire()
        deliveries = self.Delivery.search([("link_id", "=", link.id)], order="id")
        self.assertEqual(deliveries.mapped("event_type"), ["link.sent", "link.expired"])
        now = fields.Datetime.now()
        with freeze_time(now):
            self.deliver()
        # The "expired" event waits for the "sent" one, which failed.
        self.assertEqual(len(self.receiver.requests), 1)
        self.assertEqual(deliveries.mapped("state"), ["pending", "pending"])
        with freeze_time(now + timedelta(minutes=2)):
            self.deliver()
        types = [json.loads(r["body"])["type"] for r in self.receiver.requests]
        self.assertEqual(types, ["link.sent", "link.sent", "link.expired"])
        self.assertEqual(deliveries.mapped("state"), ["done", "done"])

    def test_backoff_then_given_up_and_endpoint_disabled(self):
        self.receiver.statuses = [500] * 100
        _answer, link = self.send()
        delivery = self.Delivery.search([("link_id", "=", link.id)])
        start = now = delivery.next_attempt_date
        delays = []
        with mute_logger("odoo.addons.payment_link_sms_webhook.models.payment_link_webhook"):
            while self.webhook.active and len(delays) < 50:
                with freeze_time(now):
                    self.deliver()
                if delivery.state == "pending":
                    delays.append((delivery.next_attempt_date - now).total_seconds())
                    now = delivery.next_attempt_date
        self.assertEqual(delays[:4], [60, 120, 240, 480])
        self.assertEqual(max(delays), 6 * 3600)
        self.assertFalse(self.webhook.active)
        self.assertEqual(delivery.state, "failed")
        self.assertGreaterEqual(now - start, timedelta(days=3))
        self.assertLess(now - start, timedelta(days=3, hours=6, minutes=1))
        self.assertIn("Disabled after failing for 3 days", self.webhook.disabled_reason)
        message = self.webhook.message_ids.filtered(lambda m: "was disabled" in (m.body or ""))
        self.assertEqual(message.partner_ids, self.admin.partner_id)
        # Disabled: new events are no longer queued for it.
        count = len(self.receiver.requests)
        link.action_expire()
        self.assertFalse(
            self.Delivery.search([("link_id", "=", link.id), ("state", "=", "pending")])
        )
        self.deliver()
        self.assertEqual(len(self.receiver.requests), count)
        # Re-enabled by the administrator: it starts afresh.
        self.webhook.active = True
        self.assertFalse(self.webhook.disabled_reason)
        self.assertFalse(self.webhook.failing_since)

    def test_only_chosen_events_of_own_company(self):
        self.webhook.on_sent = False
        _answer, link = self.send()
        self.assertFalse(self.Delivery.search([("link_id", "=", link.id)]))
        link.action_expire()
        self.assertEqual(
            self.Delivery.search([("link_id", "=", link.id)]).mapped("event_type"), ["link.expired"]
        )
        other = self.setup_other_company()["company"]
        other_hook = self.env["payment.link.webhook"].create(
            {"name": "Other", "url": self.receiver.url, "company_id": other.id}
        )
        self.assertFalse(self.Delivery.search([("webhook_id", "=", other_hook.id)]))
        hook_admin = new_test_user(
            self.env, login="hook_admin", groups="base.group_system", company_id=self.company.id
        )
        Webhook = self.env["payment.link.webhook"].with_user(hook_admin)
        self.assertEqual(Webhook.search([]), self.webhook)
        self.assertEqual(self.Delivery.with_user(hook_admin).search([]).webhook_id, self.webhook)

    def test_money_events_are_sent(self):
        _answer, link = self.send()
        link._log_events("partly_paid", reason="10.00")
        link._log_events("refunded", reason="refund")
        types = self.Delivery.search([("link_id", "=", link.id)]).mapped("event_type")
        self.assertIn("link.partly_paid", types)
        self.assertIn("link.refunded", types)
        self.webhook.on_refunded = False
        link._log_events("refunded", reason="again")
        self.assertEqual(
            self.Delivery.search([("link_id", "=", link.id)])
            .mapped("event_type")
            .count("link.refunded"),
            1,
        )

    def test_access_and_url(self):
        with self.assertRaises(AccessError):
            self.env["payment.link.webhook"].with_user(self.billing_user).search([])
        with self.assertRaises(AccessError):
            self.Delivery.with_user(self.billing_user).search([])
        with self.assertRaises(ValidationError):
            self.webhook.url = "ftp://example.com/hook"
        self.assertEqual(
            self.env["payment.link.webhook"]._fields["secret"].groups, "base.group_system"
        )
