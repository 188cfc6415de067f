#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A customer's whole journey through Odoo in production mode (run by tools/run_tests.py).

Usage (from the repository root)::

    python3 tools/prod_journey.py [--keep-db]

On its own database, Odoo runs as it is deployed: 2 HTTP workers, 1 cron worker and the
websocket (gevent) process, on loopback ports, behind a small reverse proxy that routes
``/websocket`` to the gevent port (as nginx does, see README "Production deployment"). Then,
through that server only: a link is sent by SMS (to the gateway stand-in of
tools/demo_gateway.py) and by email (to its SMTP catcher); the customer opens the SMS's link in
headless Chromium on a phone-sized screen while a desk agent's browser shows the link's form and
receives the customer's steps over the websocket; the customer pays with Demo; the cron worker
delivers the link's webhook to a local receiver, whose signature is checked with the ``stripe``
package's own ``WebhookSignature.verify_header``. Each step has a deadline and says what failed.
The server is stopped and nothing of it may be left running. Then the same Odoo started as
tools/demo.py starts it (threaded) must answer again after a keep-alive connection idle beyond
``limit_time_real`` made it reload, and after a reload asked with SIGHUP.

Its last line is ``N passed, M failed`` (one per step; the first failure ends the journey).
"""

import argparse
import http.client
import http.server
import json
import os
import re
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from odoo_env import REPO, find_odoo, odoo_entry, run

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WEBHOOK_SECRET_HEADER = "Paylink-Signature"
# The background send whose cron worker is killed, and its batches (small: many commits).
BULK = 2000
BULK_BATCH = 50

CONFIGURE_SCRIPT = r"""
import json, os, sys, odoo
from odoo.tools import config
config.parse_config(sys.argv[1:])
registry = odoo.modules.registry.Registry.new(config["db_name"])
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    company = env.ref("base.main_company")
    params = env["ir.config_parameter"]
    params.set_param("web.base.url", os.environ["JOURNEY_BASE_URL"])
    params.set_param("web.base.url.freeze", "True")
    params.set_param("sms.endpoint", os.environ["JOURNEY_SMS_ENDPOINT"])
    # Webhooks to a loopback receiver: allowed by name (before and after that setting exists).
    params.set_param("payment_link_sms.webhook_allowed_hosts", "127.0.0.1,localhost")
    env.ref("payment.payment_provider_demo").write(
        {"state": "test", "is_published": True, "company_id": company.id}
    )
    company.payment_link_allow_test_providers = True
    env["ir.mail_server"].search([]).active = False  # a kept database: earlier runs' ports
    env["ir.mail_server"].create({
        "name": "journey mail catcher", "smtp_host": "127.0.0.1",
        "smtp_port": int(os.environ["JOURNEY_SMTP_PORT"]), "smtp_encryption": "none",
        "sequence": 1,
    })
    env["payment.link.webhook"].search([]).active = False
    company.email = company.email or "billing@example.com"
    partner = env["res.partner"].create({
        "name": "Journey Customer", "email": "customer@example.com",
        "mobile": "+1 202 555 0143", "country_id": env.ref("base.us").id,
    })
    invoice = env["account.move"].create({
        "move_type": "out_invoice", "partner_id": partner.id,
        "invoice_line_ids": [(0, 0, {"name": "Towing service", "quantity": 1,
                                     "price_unit": 180.0})],
    })
    invoice.action_post()
    webhook = env["payment.link.webhook"].create({
        "name": "journey receiver", "url": os.environ["JOURNEY_WEBHOOK_URL"],
    })
    # The background send's documents, made fast as bench/background.py makes them.
    sys.path.insert(0, os.environ["JOURNEY_BENCH_DIR"])
    from odoo_side import create_invoices
    bulk = create_invoices(env, company, int(os.environ["JOURNEY_BULK"]), "C")
    print("JOURNEY " + json.dumps({
        "bulk_ids": bulk.ids,
        "invoice_id": invoice.id, "invoice_name": invoice.name, "secret": webhook.secret,
    }))
"""


class StepFailed(Exception):
    pass


def wait_for(what, check, timeout, interval=0.25):
    """Return ``check()``'s first truthy value, or fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (OSError, ValueError, KeyError, http.client.HTTPException) as error:
            last_error = error
        time.sleep(interval)
    detail = f" (last error: {last_error})" if last_error else ""
    raise StepFailed(f"{what}: not within {timeout} s{detail}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The reverse proxy: /websocket to the gevent port, the rest to the HTTP workers ---------


class RoutingProxy(socketserver.ThreadingTCPServer):
    """Each connection goes, whole, to the upstream its first request's path picks (a browser
    opens a connection of its own for a websocket)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, http_port, gevent_port):
        self.upstreams = {"http": http_port, "websocket": gevent_port}
        super().__init__(("127.0.0.1", 0), ProxyHandler)


class ProxyHandler(socketserver.BaseRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n" not in head:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            head += chunk
        path = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b"/"
        kind = "websocket" if path.startswith(b"/websocket") else "http"
        try:
            upstream = socket.create_connection(("127.0.0.1", self.server.upstreams[kind]))
        except OSError:
            return
        with upstream:
            upstream.sendall(head)
            sockets = [self.request, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 300)
                if not readable:
                    return
                for source in readable:
                    try:
                        data = source.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    (upstream if source is self.request else self.request).sendall(data)


# --- The webhook receiver ------------------------------------------------------------------


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.received = []
        super().__init__(("127.0.0.1", 0), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


# --- Chromium through the DevTools protocol ------------------------------------------------


class Chromium:
    def __init__(self):
        import websocket  # requirements-test.txt

        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="plsms_journey_chromium_")
        binary = next(
            filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome")))
        )
        self.process = subprocess.Popen(
            [
                binary,
                *CHROMIUM_FLAGS,
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def version():
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/version") as answer:
                return json.load(answer)["webSocketDebuggerUrl"]

        url = wait_for("Chromium's DevTools endpoint", version, 30)
        self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def send(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise StepFailed(f"Chromium {method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def tab(self, url, cookies=(), phone=False):
        context = self.send("Target.createBrowserContext")["browserContextId"]
        target = self.send("Target.createTarget", url="about:blank", browserContextId=context)
        session = self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)[
            "sessionId"
        ]
        self.send("Page.enable", session)
        self.send("Runtime.enable", session)
        self.send("Network.enable", session)
        for cookie in cookies:
            self.send("Network.setCookie", session, **cookie)
        if phone:
            self.send("Emulation.setDeviceMetricsOverride", session, **PHONE)
        self.send("Page.navigate", session, url=url)
        return session

    def js(self, session, expression):
        result = self.send(
            "Runtime.evaluate",
            session,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise StepFailed(f"in the page: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_selector(self, session, selector, what, timeout=60):
        return wait_for(
            what,
            lambda: self.js(session, f"!!document.querySelector({json.dumps(selector)})"),
            timeout,
        )

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=30)
            shutil.rmtree(self.profile, ignore_errors=True)


# --- Odoo ----------------------------------------------------------------------------------


class Journey:
    def __init__(self, args):
        self.args = args
        self.env, addons_dirs, package_dir = find_odoo()
        self.entry = odoo_entry(package_dir)
        self.addons_path = ",".join([str(REPO), *map(str, addons_dirs)])
        self.db = args.db or f"plsms_prod_{os.getpid()}"
        if args.keep_db:  # the filestore goes with the database
            self.data_dir = Path(tempfile.gettempdir()) / f"{self.db}.data"
            self.data_dir.mkdir(exist_ok=True)
        else:
            self.data_dir = tempfile.mkdtemp(prefix="plsms_prod_data_")
        self.log_path = Path(tempfile.gettempdir()) / f"{self.db}.log"
        self.server = None
        self.pids = set()
        self.cleanups = []
        self.passed = 0
        self.session_cookie = None

    def odoo_args(self, *extra):
        return [
            *self.entry,
            f"--addons-path={self.addons_path}",
            f"--database={self.db}",
            f"--db-filter=^{self.db}$",
            f"--data-dir={self.data_dir}",
            "--without-demo=all",
            *extra,
        ]

    def step(self, text, function, *args):
        started = time.monotonic()
        print(f"== [prod journey] {text}", flush=True)
        result = function(*args)
        print(f"   ok ({time.monotonic() - started:.1f} s)", flush=True)
        self.passed += 1
        return result

    # -- the steps --

    def check_gevent(self):
        code = "from gevent import monkey; monkey.patch_all(); import odoo; print('ok')"
        result = run([sys.executable, "-c", code], check=False, capture_output=True, env=self.env)
        if result.returncode:
            raise StepFailed(
                "gevent does not start in this environment (the websocket process cannot): "
                + (result.stderr.strip().splitlines() or ["?"])[-1]
            )

    def create_database(self):
        if self.args.db and self.args.keep_db:
            exists = run(
                ["psql", "-d", self.db, "-tAc", "select 1"],
                check=False,
                capture_output=True,
                env=self.env,
            )
            if exists.returncode == 0:
                return  # the inner loop: a database kept by an earlier run
        run(["dropdb", "--if-exists", self.db], check=False, env=self.env)
        result = run(
            self.odoo_args(
                "--init=payment_link_sms,payment_demo",
                "--stop-after-init",
                "--log-level=warn",
                "--max-cron-threads=0",
            ),
            check=False,
            capture_output=True,
            env=self.env,
        )
        if result.returncode:
            raise StepFailed(f"installing the addons failed:\n{result.stderr[-3000:]}")

    def start_stand_ins(self):
        sys.path.insert(0, str(REPO / "tools"))
        import demo_gateway

        self.inbox = demo_gateway.Inbox()
        self.smtp_port = free_port()
        smtp = demo_gateway.start_smtp(self.inbox, self.smtp_port)
        self.cleanups.append(smtp.stop)
        gateway = demo_gateway.make_http_server(self.inbox, 0)
        threading.Thread(target=gateway.serve_forever, daemon=True).start()
        self.cleanups.append(gateway.shutdown)
        self.gateway_url = f"http://127.0.0.1:{gateway.server_address[1]}"
        self.receiver = Receiver()
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        self.cleanups.append(self.receiver.shutdown)
        self.http_port, self.gevent_port = free_port(), free_port()
        self.proxy = RoutingProxy(self.http_port, self.gevent_port)
        threading.Thread(target=self.proxy.serve_forever, daemon=True).start()
        self.cleanups.append(self.proxy.shutdown)
        self.base = f"http://127.0.0.1:{self.proxy.server_address[1]}"

    def configure(self):
        result = run(
            [
                sys.executable,
                "-c",
                CONFIGURE_SCRIPT,
                f"--addons-path={self.addons_path}",
                f"--database={self.db}",
                f"--data-dir={self.data_dir}",
                "--log-level=warn",
            ],
            check=False,
            capture_output=True,
            env={
                **self.env,
                "JOURNEY_BASE_URL": self.base,
                "JOURNEY_SMS_ENDPOINT": self.gateway_url,
                "JOURNEY_SMTP_PORT": str(self.smtp_port),
                "JOURNEY_BENCH_DIR": str(REPO / "bench"),
                "JOURNEY_BULK": str(BULK),
                "JOURNEY_WEBHOOK_URL": f"http://127.0.0.1:{self.receiver.server_address[1]}/hook",
            },
        )
        lines = [line for line in result.stdout.splitlines() if line.startswith("JOURNEY ")]
        if result.returncode or not lines:
            raise StepFailed(f"configuring the database failed:\n{result.stderr[-3000:]}")
        self.data = json.loads(lines[-1].split(" ", 1)[1])

    def start_server(self):
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop_server)
        self.server = subprocess.Popen(
            self.odoo_args(
                "--workers=2",
                "--max-cron-threads=1",
                "--http-interface=127.0.0.1",
                f"--http-port={self.http_port}",
                f"--gevent-port={self.gevent_port}",
                "--log-level=info",
            ),
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
        )
        import psutil  # one of Odoo's requirements

        def up():
            if self.server.poll() is not None:
                raise StepFailed(f"Odoo exited with {self.server.returncode} (see {self.log_path})")
            with urllib.request.urlopen(f"{self.base}/web/health", timeout=5) as answer:
                return answer.status == 200

        wait_for("Odoo answering /web/health through the proxy", up, 120)

        def processes():
            children = psutil.Process(self.server.pid).children(recursive=True)
            self.pids.update(child.pid for child in children)
            return len(children) >= 4 and children

        wait_for("2 HTTP workers, 1 cron worker and the gevent process", processes, 60)
        for pattern, count, what in (
            (r"Worker WorkerHTTP \((\d+)\) alive", 2, "2 HTTP workers alive"),
            (r"Worker WorkerCron \((\d+)\) alive", 1, "the cron worker alive"),
            (
                r"Evented Service \(longpolling\) running on 127\.0\.0\.1:(\d+)",
                1,
                "the websocket (gevent) process serving",
            ),
        ):
            wait_for(
                f"{what} (Odoo's log {self.log_path})",
                lambda p=pattern, n=count: len(set(re.findall(p, self.log_path.read_text()))) >= n,
                60,
            )

    def rpc(self, route, params, cookie=True):
        request = urllib.request.Request(
            f"{self.base}{route}",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode(),
            headers={
                "Content-Type": "application/json",
                **({"Cookie": f"session_id={self.session_cookie}"} if cookie else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=120) as answer:
            body = json.load(answer)
            cookie_header = answer.headers.get("Set-Cookie") or ""
        if "error" in body:
            raise StepFailed(f"{route}: {body['error'].get('data', {}).get('message')}")
        match = re.search(r"session_id=([^;]+)", cookie_header)
        if match:
            self.session_cookie = match[1]
        return body["result"]

    def call(self, model, method, args, kwargs=None):
        return self.rpc(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def send_link(self):
        self.rpc(
            "/web/session/authenticate",
            {"db": self.db, "login": "admin", "password": "admin"},
            cookie=False,
        )
        invoice_id = self.data["invoice_id"]
        context = {"active_model": "account.move", "active_ids": [invoice_id]}
        wizard_id = self.call(
            "payment.link.send", "create", [{"channel": "both"}], {"context": context}
        )
        self.call("payment.link.send", "action_send", [[wizard_id]], {"context": context})
        links = self.call(
            "payment.link",
            "search_read",
            [[("res_model", "=", "account.move"), ("res_id", "=", invoice_id)]],
            {"fields": ["id", "state"]},
        )
        if not links:
            raise StepFailed("no payment link was made for the invoice")
        self.link_id = links[0]["id"]

        def arrived(kind):
            return [m for m in self.inbox.snapshot() if m["kind"].lower().startswith(kind)]

        sms = wait_for("the SMS at the gateway stand-in", lambda: arrived("sms"), 60)
        wait_for("the email at the SMTP catcher", lambda: arrived("email"), 90)
        urls = re.findall(r"https?://\S+", sms[0]["text"])
        if not urls or not urls[0].startswith(self.base):
            raise StepFailed(f"the SMS has no link to this server: {sms[0]['text']!r}")
        self.pay_url = urls[0].rstrip(".,")

    def open_browsers(self):
        self.chromium = Chromium()
        self.cleanups.append(self.chromium.close)
        cookie = {"name": "session_id", "value": self.session_cookie, "url": self.base}
        self.desk = self.chromium.tab(
            f"{self.base}/odoo/action-payment_link_sms.action_payment_link/{self.link_id}",
            cookies=[cookie],
        )
        self.chromium.wait_selector(
            self.desk,
            ".o_payment_link_progress .o_payment_link_progress_current",
            "the desk agent's form showing the customer's progress",
            90,
        )
        self.chromium.js(self.desk, "window.journeyNotReloaded = true")
        self.customer = self.chromium.tab(self.pay_url, phone=True)
        self.chromium.wait_selector(
            self.customer,
            "input[name='o_payment_radio'][data-provider-code='demo']",
            "the pay page (phone) offering Demo",
            60,
        )

    def desk_sees(self, step, what):
        selector = f".o_payment_link_progress_timeline li[data-step='{step}']"
        self.chromium.wait_selector(self.desk, selector, f"the desk agent's browser: {what}", 30)
        if not self.chromium.js(self.desk, "window.journeyNotReloaded === true"):
            raise StepFailed("the desk agent's page reloaded: the step did not come live")

    def pay(self):
        c, page = self.chromium, self.customer
        self.desk_sees("opened", "link opened")
        c.js(page, "document.querySelector(\"input[data-provider-code='demo']\").click()")
        self.desk_sees("method_chosen", "payment method chosen")
        c.wait_selector(page, "#customer_input:not(:disabled)", "the Demo card field", 30)
        c.js(page, "document.querySelector('#customer_input').focus()")
        c.send("Input.insertText", page, text="4242424242424242")
        self.desk_sees("details_entering", "entering payment details")
        c.wait_selector(
            page, "button[name='o_payment_submit_button']:not(:disabled)", "the Pay button", 30
        )
        c.js(page, "document.querySelector(\"button[name='o_payment_submit_button']\").click()")
        c.wait_selector(page, ".o_payment_link_paid", "the customer's receipt", 60)
        current = ".o_payment_link_progress_current[data-step='paid']"
        c.wait_selector(self.desk, current, "the desk agent's browser: paid (live)", 60)

    def webhook(self):
        import stripe  # requirements-test.txt: a receiver using Stripe's own code

        def paid():
            for headers, body in self.receiver.received:
                if json.loads(body).get("type") == "link.paid":
                    return headers, body
            return None

        headers, body = wait_for("the 'paid' webhook at the local receiver", paid, 120)
        signature = headers.get(WEBHOOK_SECRET_HEADER)
        try:
            stripe.WebhookSignature.verify_header(
                body.decode(), signature, self.data["secret"], tolerance=600
            )
        except stripe.SignatureVerificationError as error:
            raise StepFailed(f"the webhook's signature does not verify: {error}") from error
        try:  # and Stripe's code does check: a changed body is refused
            stripe.WebhookSignature.verify_header(
                body.decode() + " ", signature, self.data["secret"], tolerance=600
            )
        except stripe.SignatureVerificationError:
            pass
        else:
            raise StepFailed("verify_header accepted a changed body: nothing was checked")
        jobs = re.findall(
            r"^\S+ \S+ (\d+) INFO \S+ odoo\.addons\.base\.models\.ir_cron: "
            r"Job 'Payment Links: deliver webhooks' \(\d+\) (?:starting|done)",
            self.log_path.read_text(),
            re.MULTILINE,
        )
        cron_pids = set(re.findall(r"Worker WorkerCron \((\d+)\) alive", self.log_path.read_text()))
        if not jobs or not set(jobs) <= cron_pids:
            raise StepFailed(f"the webhook job did not run in the cron worker ({jobs})")

    def cron_kill(self):
        """A background send of BULK invoices by SMS; its cron worker SIGKILLed mid-way (Odoo's
        master spawns another): the job completes, nothing is sent twice, its counts match."""
        import psutil

        ids = self.data["bulk_ids"]
        self.call(
            "ir.config_parameter",
            "set_param",
            ["payment_link_sms.background_batch_size", str(BULK_BATCH)],
        )
        before = {message["id"] for message in self.inbox.snapshot()}
        context = {"active_model": "account.move", "active_ids": ids}
        wizard_id = self.call(
            "payment.link.send", "create", [{"channel": "sms"}], {"context": context}
        )
        action = self.call("payment.link.send", "action_send", [[wizard_id]], {"context": context})
        try:
            job_id = action["params"]["next"]["res_id"]
        except (KeyError, TypeError) as error:
            raise StepFailed(f"no background job was queued: {action}") from error

        def counts():
            job = self.call(
                "payment.link.send.job",
                "read",
                [
                    [job_id],
                    [
                        "state",
                        "sent_count",
                        "failed_count",
                        "skipped_count",
                        "pending_count",
                        "document_count",
                    ],
                ],
            )
            return job[0]

        def cron_pid():
            pids = re.findall(r"Worker WorkerCron \((\d+)\) alive", self.log_path.read_text())
            alive = [int(pid) for pid in pids if psutil.pid_exists(int(pid))]
            return alive[-1] if alive else None

        wait_for(
            "the job under way (a tenth sent)", lambda: counts()["sent_count"] >= BULK // 10, 180
        )
        killed = cron_pid()
        at_kill = counts()
        if not killed or at_kill["state"] == "done":
            raise StepFailed(f"no cron worker to kill mid-way (job {at_kill})")
        os.kill(killed, signal.SIGKILL)
        print(f"   cron worker {killed} killed at {at_kill['sent_count']} sent", flush=True)
        wait_for("another cron worker", lambda: cron_pid() not in (None, killed), 60)
        self.pids.add(cron_pid())
        job = wait_for(
            "the job done after the kill",
            lambda: (c := counts())["state"] == "done" and c,
            600,
            interval=1,
        )
        if (job["document_count"], job["sent_count"], job["pending_count"]) != (BULK, BULK, 0):
            raise StepFailed(f"the job's counts do not match {BULK} documents sent: {job}")

        def new_sms():
            messages = self.inbox.snapshot()
            return [m for m in messages if m["id"] not in before and m["kind"] == "SMS"]

        wait_for(f"{BULK} SMS at the gateway", lambda: len(new_sms()) >= BULK, 300, interval=1)
        time.sleep(2)  # any SMS sent twice would come now
        arrived = new_sms()
        numbers = [message["to"] for message in arrived]
        twice = {number for number in numbers if numbers.count(number) > 1}
        if len(arrived) != BULK or twice:
            raise StepFailed(f"{len(arrived)} SMS for {BULK} documents; sent twice: {len(twice)}")
        links = self.call(
            "payment.link",
            "read_group",
            [[("res_model", "=", "account.move"), ("res_id", "in", ids)], ["res_id"], ["res_id"]],
            {"lazy": False},
        )
        doubled = [group for group in links if group["__count"] > 1]
        if len(links) != BULK or doubled:
            raise StepFailed(f"{len(links)} documents with links, {len(doubled)} with two")

    def stop_server(self):
        import psutil

        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=60)
        except subprocess.TimeoutExpired as error:
            raise StepFailed("Odoo did not stop within 60 s of SIGTERM") from error
        self.log.close()

        def all_gone():
            return not [pid for pid in self.pids if psutil.pid_exists(pid)]

        wait_for(f"Odoo's processes {sorted(self.pids)} gone", all_gone, 30)
        for port in (self.http_port, self.gevent_port):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise StepFailed(f"something still listens on port {port}")
        self.server = None

    def demo_reloads(self):
        """The demo's way (threaded server, the same entry point and PATH): an idle keep-alive
        connection beyond limit_time_real makes Odoo reload; it answers again, as after a
        SIGHUP."""
        port = free_port()
        log_path = Path(tempfile.gettempdir()) / f"{self.db}.threaded.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                self.odoo_args(
                    f"--http-port={port}",
                    "--http-interface=127.0.0.1",
                    # Odoo's 120 s made short (the same code path): above the registry's load time,
                    # or the first request after the reload would reach it again.
                    "--limit-time-real=10",
                    "--max-cron-threads=0",
                    "--log-level=info",
                ),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}/web/health"

        def answers():
            if server.poll() is not None:
                raise StepFailed(f"the threaded Odoo exited ({server.returncode}): {log_path}")
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status == 200

        def reloads():
            return log_path.read_text().count("Initiating server reload")

        try:
            wait_for("the threaded Odoo answering", answers, 90)
            # A connection opened and left idle, as a browser's preconnected socket: its
            # thread waits for a request beyond limit_time_real, and Odoo reloads.
            idle = socket.create_connection(("127.0.0.1", port))
            # Odoo's threaded server checks its limits every 60 s (SLEEP_INTERVAL).
            wait_for("Odoo reloading for the idle connection", lambda: reloads() >= 1, 150)
            idle.close()
            wait_for("the threaded Odoo answering after its reload", answers, 90)
            server.send_signal(signal.SIGHUP)
            wait_for("Odoo reloading on SIGHUP", lambda: reloads() >= 2, 30)
            wait_for("the threaded Odoo answering after SIGHUP", answers, 90)
            if "Traceback (most recent call last)" in log_path.read_text():
                raise StepFailed(f"a traceback in the threaded Odoo's log: {log_path}")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    def cleanup(self):
        if self.server and self.server.poll() is None:
            try:
                os.killpg(self.server.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.server.wait()
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001 (cleaning up: report and go on)
                print(f"   cleanup: {error}", flush=True)
        if not self.args.keep_db:
            run(["dropdb", "--if-exists", self.db], check=False, env=self.env)
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def run(self):
        steps = [
            ("gevent starts in this environment", self.check_gevent),
            ("a database with payment_link_sms and payment_demo", self.create_database),
            ("SMS gateway, SMTP catcher, webhook receiver, reverse proxy", self.start_stand_ins),
            ("the database points at them", self.configure),
            ("Odoo: 2 HTTP workers, 1 cron worker, the websocket process", self.start_server),
            ("a link sent by SMS and email through the server", self.send_link),
            ("the desk agent's form, the customer's phone", self.open_browsers),
            ("the customer pays with Demo; the desk sees each step live", self.pay),
            ("the cron worker delivers the signed webhook (stripe verifies)", self.webhook),
            (f"a cron worker killed during a background send of {BULK}", self.cron_kill),
            ("Odoo stops and leaves nothing running", self.stop_server),
            ("as the demo runs it: answers after an idle reload and SIGHUP", self.demo_reloads),
        ]
        started = time.monotonic()
        failed = 0
        try:
            for text, function in steps:
                self.step(text, function)
        except Exception as error:  # noqa: BLE001 (each failure is reported, then counted)
            failed = 1
            print(f"FAILED: prod journey: {error}", flush=True)
            print(f"   Odoo's log: {self.log_path}", flush=True)
        finally:
            self.cleanup()
        print(f"== prod journey: {time.monotonic() - started:.0f} s", flush=True)
        print(f"{self.passed} passed, {failed} failed", flush=True)
        return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--db", help="database name (with --keep-db: reused when it exists)")
    args = parser.parse_args()
    sys.exit(1 if Journey(args).run() else 0)


if __name__ == "__main__":
    main()
