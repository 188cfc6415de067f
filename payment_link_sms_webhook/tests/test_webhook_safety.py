# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import socket
import time
from contextlib import contextmanager
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import PaymentLinkCommon

from .. import const
from ..models.payment_link_webhook import PaymentLinkWebhook, is_public_address, mask_url
from .common import Receiver, allow_local_receivers

PUBLIC_IP = "93.184.215.14"
WEBHOOK_LOGGER = "odoo.addons.payment_link_sms_webhook.models.payment_link_webhook"
DELIVERY_LOGGER = "odoo.addons.payment_link_sms_webhook.models.payment_link_webhook_delivery"


class SilentServer:
    """A local server that accepts connections and never answers (a hung receiver)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"

    def stop(self):
        self.sock.close()


@tagged("post_install", "-at_install")
class TestWebhookSafety(PaymentLinkCommon):
    """An administrator's webhook never reaches the server's own network, never holds the
    delivery cron, and never shows a credential or an answer's body."""

    def setUp(self):
        super().setUp()
        self.receiver = Receiver(self.env)
        self.addCleanup(self.receiver.stop)
        self.Webhook = self.env["payment.link.webhook"]
        self.Delivery = self.env["payment.link.webhook.delivery"]
        self.webhook = self.Webhook.create(
            {"name": "Dispatch", "url": self.receiver.url, "company_id": self.company.id}
        )

    @contextmanager
    def resolving(self, *answers):
        """Name resolution answers ``answers`` in turn (the last one from then on)."""
        answers = list(answers)
        calls = []

        def resolve(model, host, port):
            calls.append(host)
            return [answers.pop(0) if len(answers) > 1 else answers[0]]

        with patch.object(PaymentLinkWebhook, "_resolve_addresses", resolve):
            yield calls

    def queue(self, webhook=None, count=1):
        """``count`` links sent, each with a "sent" delivery to ``webhook`` only."""
        webhook = webhook or self.webhook
        (self.Webhook.search([]) - webhook).active = False
        deliveries = self.Delivery.browse()
        for _index in range(count):
            invoice = self._create_posted_invoice(self.customer, 10.0)
            with self.mock_gateways():
                link = self.link_of(self.send_link(invoice)[0])
            deliveries |= self.Delivery.search(
                [("link_id", "=", link.id), ("event_type", "=", "link.sent")]
            )
        self.assertEqual(deliveries.webhook_id, webhook)
        return deliveries

    # --- addresses ------------------------------------------------------------------------

    def test_non_public_addresses_are_refused_at_save(self):
        allow_local_receivers(self.env, "")
        for address in (
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ):
            self.assertFalse(is_public_address(address), address)
            host = f"[{address}]" if ":" in address else address
            with self.subTest(address=address), self.assertRaises(ValidationError):
                self.webhook.url = f"https://{host}/hook"
        self.assertTrue(is_public_address(PUBLIC_IP))
        self.assertTrue(is_public_address("2606:4700::1111"))
        # A name is resolved: refused when it leads to the metadata service.
        with self.resolving("169.254.169.254"), self.assertRaises(ValidationError) as caught:
            self.webhook.url = "https://metadata.example.com/hook"
        self.assertIn("non-public address (169.254.169.254)", str(caught.exception))
        with self.resolving(PUBLIC_IP):
            self.webhook.url = "https://hooks.example.com/hook"
        self.assertEqual(self.webhook.url, "https://hooks.example.com/hook")

    def test_https_is_required_but_for_the_hosts_an_administrator_allows(self):
        with self.resolving(PUBLIC_IP):
            with self.assertRaises(ValidationError) as caught:
                self.webhook.url = "http://hooks.example.com/hook"
            self.assertIn("must be an https:// address", str(caught.exception))
            allow_local_receivers(self.env, "127.0.0.1, Hooks.Example.com")
            self.webhook.url = "http://hooks.example.com/hook"
        allow_local_receivers(self.env, "")
        with self.assertRaises(ValidationError):
            self.webhook.url = self.receiver.url  # http:// on 127.0.0.1 without the parameter

    def test_dns_rebinding_is_refused_at_send(self):
        """Public when saved, the loopback when sent: refused, nothing sent."""
        allow_local_receivers(self.env, "")
        port = self.receiver.server.server_address[1]
        with self.resolving(PUBLIC_IP):
            self.webhook.url = f"https://rebind.example.com:{port}/hook"
        delivery = self.queue()
        with self.resolving("127.0.0.1"), mute_logger(WEBHOOK_LOGGER):
            self.Delivery._cron_deliver()
        self.assertFalse(self.receiver.requests)
        self.assertEqual(delivery.state, "pending")
        self.assertIn("non-public address (127.0.0.1)", delivery.last_error)

    def test_the_connection_goes_to_the_address_checked(self):
        """Resolved once per attempt, connected to that address (the name itself resolves
        nowhere), with the host's name in the Host header and the URL's credentials as Basic
        authentication."""
        allow_local_receivers(self.env, "receiver.invalid")
        port = self.receiver.server.server_address[1]
        with self.resolving("127.0.0.1") as calls:
            self.webhook.url = f"http://dispatch:s3cret@receiver.invalid:{port}/hooks?x=1"
            delivery = self.queue()
            calls.clear()
            self.Delivery._cron_deliver()
        self.assertEqual(calls, ["receiver.invalid"])
        self.assertEqual(delivery.state, "done", delivery.last_error)
        headers = self.receiver.requests[0]["headers"]
        self.assertEqual(headers["Host"], f"receiver.invalid:{port}")
        self.assertEqual(
            headers["Authorization"], "Basic " + base64.b64encode(b"dispatch:s3cret").decode()
        )

    # --- answers ----------------------------------------------------------------------------

    def test_only_the_status_and_reason_of_an_error_are_kept(self):
        def answer(handler):
            body = b"internal secret: db password is hunter2"
            handler.send_response(500)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.receiver.answer = answer
        delivery = self.queue()
        self.Delivery._cron_deliver()
        self.assertEqual(delivery.last_error, "HTTP 500 Internal Server Error")
        self.assertEqual(delivery.last_status_code, 500)
        self.assertEqual(self.webhook.last_error, "HTTP 500 Internal Server Error")

    def _drip(self, handler, status_line=False):
        """Answer a byte at a time, for up to 20 s."""
        stop = time.monotonic() + 20
        try:
            if status_line:
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200:
                    if time.monotonic() > stop:
                        return
                    handler.wfile.write(bytes([byte]))
                    handler.wfile.flush()
                    time.sleep(0.2)
                return
            handler.send_response(200)
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            handler.wfile.flush()
            while time.monotonic() < stop:
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    @patch.object(const, "WEBHOOK_TIMEOUT_SECONDS", 2)
    def test_a_server_dripping_its_answer_is_cut_off_at_the_deadline(self):
        self.receiver.answer = lambda handler: self._drip(handler, status_line=True)
        delivery = self.queue()
        started = time.monotonic()
        self.Delivery._cron_deliver()
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(delivery.last_error, "No complete answer within 2 seconds.")
        self.assertEqual(delivery.state, "pending")
        # Its status said, a body dripping: delivered, the body dropped at the deadline.
        self.receiver.answer = self._drip
        delivery = self.queue()
        started = time.monotonic()
        self.Delivery._cron_deliver()
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(delivery.state, "done")

    def test_a_huge_answer_is_not_read(self):
        written = []

        def answer(handler):
            handler.send_response(200)
            handler.end_headers()  # no length: the body runs until the connection closes
            chunk = b"x" * 65536
            stop = time.monotonic() + 20
            try:
                while time.monotonic() < stop:
                    handler.wfile.write(chunk)
                    written.append(len(chunk))
                    time.sleep(0.01)
            except OSError:
                pass

        self.receiver.answer = answer
        delivery = self.queue()
        started = time.monotonic()
        self.Delivery._cron_deliver()
        self.assertLess(time.monotonic() - started, 3)
        self.assertEqual(delivery.state, "done")
        self.assertEqual(delivery.last_status_code, 200)

    # --- the queue ----------------------------------------------------------------------------

    def test_the_attempt_is_recorded_and_committed_before_sending(self):
        events = []
        Delivery = type(self.Delivery)

        def commit(model):
            events.append(("commit", delivery.attempt_count, delivery.next_attempt_date))

        def answer(handler):
            events.append(("request",))
            handler.send_response(200)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.receiver.answer = answer
        delivery = self.queue()
        now = fields.Datetime.now()
        with patch.object(Delivery, "_commit_progress", commit):
            self.Delivery._cron_deliver()
        self.assertEqual(events[0][:2], ("commit", 1))
        self.assertGreater(events[0][2], now)  # the next try's time, in case the worker dies
        self.assertEqual(events[1], ("request",))
        self.assertEqual(delivery.state, "done")

    def test_a_worker_killed_mid_delivery_does_not_wedge_the_queue(self):
        class WorkerKilled(BaseException):
            pass

        first, second = self.queue(count=2)

        def killed(webhook, body, headers):
            raise WorkerKilled

        # (Odoo's assertRaises would roll back to a savepoint: the commit of the cron is kept.)
        with patch.object(PaymentLinkWebhook, "_post", killed):
            try:
                self.Delivery._cron_deliver()
            except WorkerKilled:
                pass
            else:
                self.fail("the worker was not killed")
        self.assertEqual(first.attempt_count, 1)
        self.assertGreater(first.next_attempt_date, fields.Datetime.now())
        # The next run goes on with the others; the killed one is retried at its time.
        self.Delivery._cron_deliver()
        self.assertEqual(second.state, "done")
        self.assertEqual(first.state, "pending")
        self.assertEqual(len(self.receiver.requests), 1)

    @patch.object(const, "WEBHOOK_TIMEOUT_SECONDS", 1)
    def test_a_hung_endpoint_never_delays_another(self):
        silent = SilentServer()
        self.addCleanup(silent.stop)
        hung = self.Webhook.create(
            {"name": "Hung", "url": silent.url, "company_id": self.company.id}
        )
        hung_deliveries = self.queue(hung, count=3)
        hung.active, self.webhook.active = False, True
        good = self.queue(self.webhook)
        hung.active = True
        started = time.monotonic()
        with mute_logger(WEBHOOK_LOGGER):
            self.Delivery._cron_deliver()
        self.assertLess(time.monotonic() - started, 2.5)
        self.assertEqual(good.state, "done")
        self.assertEqual(hung_deliveries.mapped("attempt_count"), [1, 0, 0])

    # --- credentials, rights ---------------------------------------------------------------

    def test_a_credential_in_the_url_is_never_tracked_nor_logged(self):
        self.assertEqual(
            mask_url("https://dispatch:s3cret@hooks.example.com/in?token=abc&x=1"),
            "https://***@hooks.example.com/in?token=***&x=***",
        )
        webhook = self.webhook.with_context(mail_notrack=False, tracking_disable=False)
        # Its creation committed (a record is not tracked in the transaction creating it).
        self.env.flush_all()
        self.env.cr.precommit.run()
        with self.resolving(PUBLIC_IP):
            webhook.url = "https://dispatch:s3cret@hooks.example.com/in?token=abc"
            self.env.flush_all()
            self.env.cr.precommit.run()  # the tracking, as at the commit
            webhook.url = "https://dispatch:0ther@hooks.example.com/in?token=def"
            self.env.flush_all()
            self.env.cr.precommit.run()
        tracked = (
            self.env["mail.message"]
            .sudo()
            .search([("model", "=", self.webhook._name), ("res_id", "=", self.webhook.id)])
            .tracking_value_ids
        )
        self.assertTrue(tracked)
        for value in tracked:
            text = f"{value.old_value_char} {value.new_value_char}"
            for secret in ("s3cret", "0ther", "abc", "def"):
                self.assertNotIn(secret, text)
        self.assertIn(
            "https://***@hooks.example.com/in?token=***", tracked.mapped("new_value_char")
        )
        with self.assertLogs(WEBHOOK_LOGGER, "WARNING") as logs:
            self.webhook._disable("HTTP 500")
        self.assertNotIn("s3cret", "\n".join(logs.output))
        self.assertNotIn("0ther", "\n".join(logs.output))
        self.assertNotIn("0ther", self.webhook.message_ids[:1].body)

    def test_retry_now_works_for_the_administrators_who_see_it(self):
        self.receiver.statuses = [500]
        delivery = self.queue()
        self.Delivery._cron_deliver()
        delivery.sudo().state = "failed"
        admin = new_test_user(
            self.env,
            login="hook_retry_admin",
            groups="base.group_system",
            company_id=self.company.id,
        )
        self.Delivery.with_user(admin).browse(delivery.id).action_retry()
        self.assertEqual(delivery.state, "pending")
        self.Delivery._cron_deliver()
        self.assertEqual(delivery.state, "done")
