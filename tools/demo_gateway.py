#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo's stand-ins for what is outside Odoo, on loopback only (never shipped in an addon).

* an SMS gateway answering Odoo's SMS (IAP) requests (``sms.endpoint`` points here): it
  accepts every message and, a moment later, reports it delivered through Odoo's own
  delivery-report route (``/sms/status``);
* an SMTP catcher (aiosmtpd), the demo database's outgoing mail server;
* one page, like a phone's inbox, showing what arrived: number or address, text, the link to
  tap.

Started by ``tools/demo.py``; alone: ``python3 tools/demo_gateway.py --http-port 9069
--smtp-port 9070``.
"""

import argparse
import email
import email.policy
import html
import json
import re
import threading
import time
import urllib.request
from datetime import datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
REPORT_DELAY_SECONDS = 1.0
# What an email's text carries around its preview line: spaces and zero-width characters.
INVISIBLE = " \t\u00a0\u034f\u200b\u200c\u200d\u2060\ufeff"
URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")


class Inbox:
    """What arrived, newest first (kept in memory for the demo's lifetime)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    def add(self, **message):
        message["received"] = datetime.now().strftime("%H:%M:%S")
        with self.lock:
            message["id"] = len(self.messages) + 1
            self.messages.insert(0, message)
        print(
            f"   [inbox] {message['kind']} to {message['to']}: "
            f"{message.get('subject') or message['text'][:60]!r}",
            flush=True,
        )

    def snapshot(self):
        with self.lock:
            return list(self.messages)


def tidy(text, limit=700):
    """The text as a phone shows it: no runs of blank lines, at most ``limit`` characters."""
    lines = [line.strip(INVISIBLE) for line in (text or "").splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text if len(text) <= limit else text[:limit].rstrip() + " \u2026"


def links_in(text):
    seen = []
    for url in URL_RE.findall(text or ""):
        url = url.rstrip(".,;:")
        if url not in seen:
            seen.append(url)
    return seen


# --- SMS gateway ----------------------------------------------------------------------------


def report_delivered(webhook_url, uuids):
    """Tell Odoo the SMS were delivered, as the real gateway does (Odoo's /sms/status)."""
    time.sleep(REPORT_DELAY_SECONDS)
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"message_statuses": [{"sms_status": "delivered", "uuids": uuids}]},
        }
    ).encode()
    request = urllib.request.Request(
        webhook_url, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except OSError as error:
        print(f"   [sms] delivery report to {webhook_url} failed: {error}", flush=True)


def handle_sms_rpc(inbox, path, payload):
    """Answer one of Odoo's IAP SMS JSON-RPC calls; return the JSON-RPC ``result``."""
    params = payload.get("params") or {}
    if not path.startswith("/api/sms/") or not path.endswith("/send"):
        return {}  # account, sender name...: nothing to do for the demo
    results, uuids = [], []
    for message in params.get("messages", []):
        for number in message.get("numbers", []):
            inbox.add(
                kind="SMS",
                to=number["number"],
                text=message["content"],
                subject=None,
                links=links_in(message["content"]),
            )
            results.append({"uuid": number["uuid"], "state": "success", "credit": 1})
            uuids.append(number["uuid"])
    webhook_url = params.get("webhook_url")
    if webhook_url and uuids and urlsplit(webhook_url).hostname in LOOPBACK_HOSTS:
        threading.Thread(target=report_delivered, args=(webhook_url, uuids), daemon=True).start()
    return results


# --- Inbox page -----------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<title>Demo phone inbox</title>
<style>
body {{ margin: 0; font: 16px/1.4 system-ui, sans-serif; background: #eceff1; }}
header {{ background: #263238; color: #fff; padding: 14px 16px; font-weight: 600; }}
header small {{ display: block; font-weight: 400; opacity: .75; }}
main {{ max-width: 480px; margin: 0 auto; padding: 12px; }}
.msg {{ background: #fff; border-radius: 16px; padding: 12px 14px; margin: 0 0 12px;
        box-shadow: 0 1px 2px rgba(0,0,0,.15); }}
.meta {{ color: #607d8b; font-size: 13px; display: flex; justify-content: space-between; }}
.kind {{ font-weight: 600; color: #37474f; }}
.subject {{ font-weight: 600; margin-top: 4px; }}
.text {{ white-space: pre-wrap; word-break: break-word; margin: 6px 0; }}
a.tap {{ display: block; text-align: center; background: #1976d2; color: #fff; padding: 10px;
         word-break: break-all; border-radius: 10px; text-decoration: none; margin-top: 8px;
         font-weight: 600; }}
.empty {{ text-align: center; color: #607d8b; margin-top: 40px; }}
</style></head>
<body><header>Demo phone inbox<small>SMS and emails sent by the demo's Odoo
({count} message(s); refreshes every 5 s)</small></header>
<main>{items}</main></body></html>
"""


def render_page(messages):
    items = []
    for message in messages:
        links = [url for url in message["links"] if "/pay/" in url] or message["links"][:1]
        buttons = "".join(
            f'<a class="tap" href="{html.escape(url)}">Tap to open<br><small>{html.escape(url)}'
            "</small></a>"
            for url in links
        )
        subject = (
            f'<div class="subject">{html.escape(message["subject"])}</div>'
            if message.get("subject")
            else ""
        )
        items.append(
            f'<div class="msg"><div class="meta"><span class="kind">{message["kind"]} to '
            f"{html.escape(message['to'])}</span><span>{message['received']}</span></div>"
            f'{subject}<div class="text">{html.escape(tidy(message["text"]))}</div>'
            f"{buttons}</div>"
        )
    if not items:
        items = ['<p class="empty">Nothing yet. Send a payment link from an invoice.</p>']
    return PAGE.format(count=len(messages), items="".join(items))


def make_http_server(inbox, port):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/":
                body = render_page(inbox.snapshot()).encode()
                self._send(200, "text/html; charset=utf-8", body)
            elif path == "/messages.json":
                body = json.dumps(inbox.snapshot(), indent=2).encode()
                self._send(200, "application/json", body)
            else:
                self._send(404, "text/plain", b"not found")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            try:
                payload = json.loads(self.rfile.read(length) or b"{}")
                result = handle_sms_rpc(inbox, urlsplit(self.path).path, payload)
                answer = {"jsonrpc": "2.0", "id": payload.get("id"), "result": result}
            except (ValueError, KeyError, TypeError) as error:
                answer = {
                    "jsonrpc": "2.0",
                    "error": {"code": 400, "message": str(error), "data": {"name": "ValueError"}},
                }
            self._send(200, "application/json", json.dumps(answer).encode())

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer((LOOPBACK, port), Handler)


# --- SMTP catcher ---------------------------------------------------------------------------


class _HtmlText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.links = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")) and href not in self.links:
                self.links.append(href)
        if tag in ("br", "p", "div", "tr"):
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def read_email(raw):
    """``(subject, text, links)`` of an email as Odoo sends it."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    links = []
    if rich is not None:
        parser = _HtmlText()
        parser.feed(rich.get_content())
        links = parser.links
    if plain is not None:
        text = plain.get_content()
    elif rich is not None:
        text = re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts))
    else:
        text = ""
    for url in links_in(text):
        if url not in links:
            links.append(url)
    return str(message.get("Subject", "")), text, links


def start_smtp(inbox, port):
    from aiosmtpd.controller import Controller  # the demo's requirement, not the addons'

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            subject, text, links = read_email(envelope.original_content or envelope.content)
            for rcpt in envelope.rcpt_tos:
                inbox.add(kind="Email", to=rcpt, subject=subject, text=text, links=links)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=LOOPBACK, port=port)
    controller.start()
    return controller


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    args = parser.parse_args()
    inbox = Inbox()
    smtp = start_smtp(inbox, args.smtp_port)
    server = make_http_server(inbox, args.http_port)
    print(
        f"== demo SMS gateway and inbox on http://{LOOPBACK}:{args.http_port}/, "
        f"SMTP catcher on {LOOPBACK}:{args.smtp_port}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        smtp.stop()


if __name__ == "__main__":
    main()
