# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tests of the demo's SMS gateway stand-in, mail reader and inbox page (no Odoo needed)."""

import json
import sys
import threading
import unittest
import urllib.request
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import demo_gateway


class FakeOdoo:
    """Odoo's /sms/status route, recording the delivery reports it receives."""

    def __init__(self):
        self.reports = []
        self.received = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.reports.append((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                fake.received.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/status"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class TestSmsGateway(unittest.TestCase):
    def setUp(self):
        self.inbox = demo_gateway.Inbox()
        self.odoo = FakeOdoo()
        self.addCleanup(self.odoo.stop)
        patcher = mock.patch.object(demo_gateway, "REPORT_DELAY_SECONDS", 0)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.server = demo_gateway.make_http_server(self.inbox, 0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def rpc(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 7})
        request = urllib.request.Request(
            self.url + path, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def test_accepts_odoo_sms_and_reports_them_delivered(self):
        uuid = "a" * 32
        text = "YourCompany: INV/2026/00001 due. Pay securely: http://localhost:8069/pay/Tok3n_x"
        answer = self.rpc(
            "/api/sms/3/send",
            {
                "messages": [{"content": text, "numbers": [{"uuid": uuid, "number": "+1555"}]}],
                "webhook_url": self.odoo.url,
                "account_token": "x",
            },
        )
        self.assertEqual(answer["id"], 7)
        self.assertEqual(answer["result"], [{"uuid": uuid, "state": "success", "credit": 1}])
        self.assertTrue(self.odoo.received.wait(10))
        path, report = self.odoo.reports[0]
        self.assertEqual(path, "/sms/status")
        self.assertEqual(
            report["params"], {"message_statuses": [{"sms_status": "delivered", "uuids": [uuid]}]}
        )
        (message,) = self.inbox.snapshot()
        self.assertEqual(message["to"], "+1555")
        self.assertEqual(message["links"], ["http://localhost:8069/pay/Tok3n_x"])
        with urllib.request.urlopen(self.url + "/", timeout=10) as response:
            page = response.read().decode()
        self.assertIn("SMS to +1555", page)
        self.assertIn('href="http://localhost:8069/pay/Tok3n_x"', page)

    def test_reports_only_to_loopback(self):
        with mock.patch.object(demo_gateway, "report_delivered") as report:
            self.rpc(
                "/api/sms/3/send",
                {
                    "messages": [{"content": "x", "numbers": [{"uuid": "c" * 32, "number": "+1"}]}],
                    "webhook_url": "http://odoo.example.com/sms/status",
                },
            )
        self.assertFalse(report.called)
        self.assertEqual(len(self.inbox.snapshot()), 1)


class TestInboxPage(unittest.TestCase):
    def test_email_text_and_links(self):
        message = EmailMessage()
        message["Subject"] = "Payment request"
        message["To"] = "camille@example.com"
        message.set_content("Hello\n\n\n\n\u034f \u200c\nPay: http://localhost:8069/pay/AbC1")
        message.add_alternative(
            '<p>Hello</p><a href="http://localhost:8069/pay/AbC1">Pay now</a>'
            '<a href="https://www.odoo.com">Powered by Odoo</a>',
            subtype="html",
        )
        subject, text, links = demo_gateway.read_email(message.as_bytes())
        self.assertEqual(subject, "Payment request")
        self.assertEqual(links, ["http://localhost:8069/pay/AbC1", "https://www.odoo.com"])
        self.assertEqual(demo_gateway.tidy(text), "Hello\n\nPay: http://localhost:8069/pay/AbC1")
        inbox = demo_gateway.Inbox()
        inbox.add(kind="Email", to="<b>x</b>", subject=subject, text="<script>", links=links)
        page = demo_gateway.render_page(inbox.snapshot())
        self.assertIn("&lt;script&gt;", page)
        self.assertIn("&lt;b&gt;x&lt;/b&gt;", page)
        self.assertIn('href="http://localhost:8069/pay/AbC1"', page)
        self.assertNotIn('href="https://www.odoo.com"', page)  # the link to tap only


if __name__ == "__main__":
    unittest.main()
