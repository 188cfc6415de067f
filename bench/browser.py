#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer's pages on a phone: /pay/<token> of an invoice and of a card request against Odoo's
portal invoice page, in Chromium.

Usage (from the repository root)::

    python3 bench/browser.py [--rounds 5] [--keep-db] [--db NAME]

On a throw-away database made as bench/run.py makes it (payment_link_sms, payment_demo,
payment_stripe and the Stripe bridge, no demo data), one invoice gets a payment link and its
customer a card request (``payment.card.request``: save a card, no amount, the demo provider);
the same Odoo server (2 HTTP workers) serves the three pages, behind a gzip reverse proxy on the
loopback (as Odoo is deployed behind nginx: Odoo itself never compresses). Headless Chromium,
driven through the DevTools protocol, opens each page with a phone's screen, the slow-4G profile
(150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up) and a cold cache (a new browser context per
load), the pages alternated over the rounds. Per load: the bytes transferred (and before
compression), the time to the load event and to the payment form ready (the mark
``payment_form_ready`` that our page sets; on Odoo's page, the same moment seen from outside:
its payment form's Pay button enabled). Prints the medians, the ratios and PASS / MISS per
target, writes a chart (PNG) and the figures (JSON) into bench/results/.
"""

import argparse
import gzip
import http.client
import http.server
import json
import shutil
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import Bench, free_port  # noqa: E402

# The slow-4G profile of the issue.
LATENCY_MS = 150
DOWN_BPS = 1_600_000 / 8
UP_BPS = 750_000 / 8
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
# The pages, in the order of each round (the same targets for both of ours).
PAGES = (
    ("pay", "/pay/<token>"),
    ("card", "card request /pay/<token>"),
    ("portal", "/my/invoices/<id>"),
)
# Targets.
MAX_BYTES = 250 * 1024
MAX_READY_S = 1.5
MAX_BYTES_RATIO = 0.25
HOP_HEADERS = ("content-length", "transfer-encoding", "connection", "server", "date")
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg")

# Set on the page from outside, for both pages alike: the same moment as our page's own mark
# (Odoo's payment form has expanded and prepared the inline form of the chosen method).
READY_PROBE = """
(() => {
    const patch = () => {
        const loader = window.odoo && odoo.loader;
        const module = loader && loader.modules.get("@payment/js/payment_form");
        if (!module) {
            return setTimeout(patch, 1);
        }
        const form = module[Symbol.for("default")];
        form.include({
            async _expandInlineForm() {
                const result = await this._super(...arguments);
                if (!performance.getEntriesByName("bench_form_ready").length) {
                    performance.mark("bench_form_ready");
                }
                return result;
            },
        });
    };
    patch();
})();
"""


class GzipProxy(http.server.BaseHTTPRequestHandler):
    """GET only, to the Odoo server; compresses text answers as a reverse proxy does."""

    upstream = None
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        try:
            self._forward()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser gave up on it (a request aborted by the page)

    def _forward(self):
        connection = http.client.HTTPConnection(*self.upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "accept-encoding"}
        connection.request("GET", self.path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        kind = answer.getheader("Content-Type", "")
        compress = "gzip" in self.headers.get("Accept-Encoding", "") and kind.startswith(
            COMPRESSED_TYPES
        )
        if compress:
            body = gzip.compress(body, 6)
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_HEADERS:
                self.send_header(key, value)
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        connection.close()

    def log_message(self, *args):
        pass


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


class Chromium:
    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="plsms_bench_chromium_")
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or shutil.which("chromium-browser"),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # Loopback only: any other host (a provider's script) does not resolve.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/version") as r:
                    self.ws_url = json.load(r)["webSocketDebuggerUrl"]
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        # Imported here: started with the system's python3, this script restarts itself in the
        # fetched Odoo environment (Bench() -> find_odoo()), where websocket-client is installed.
        import websocket

        self.ws = websocket.create_connection(self.ws_url, timeout=120, suppress_origin=True)
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
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_event(self, method, session, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(index)
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def load(self, url, wait_ready=True):
        """One cold load of url on the emulated phone: the figures of the load."""
        context = self.send("Target.createBrowserContext")["browserContextId"]
        target = self.send("Target.createTarget", url="about:blank", browserContextId=context)
        session = self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)[
            "sessionId"
        ]
        self.events.clear()
        for domain in ("Network.enable", "Page.enable", "Runtime.enable"):
            self.send(domain, session)
        self.send("Network.setCacheDisabled", session, cacheDisabled=True)
        self.send(
            "Network.emulateNetworkConditions",
            session,
            offline=False,
            latency=LATENCY_MS,
            downloadThroughput=DOWN_BPS,
            uploadThroughput=UP_BPS,
        )
        self.send("Emulation.setDeviceMetricsOverride", session, **PHONE)
        self.send("Page.addScriptToEvaluateOnNewDocument", session, source=READY_PROBE)
        self.send("Page.navigate", session, url=url)
        self.wait_event("Page.loadEventFired", session)
        figures = {}
        deadline = time.monotonic() + 60
        while wait_ready and time.monotonic() < deadline:
            figures = self.send(
                "Runtime.evaluate",
                session,
                returnByValue=True,
                expression="""(() => {
                    const nav = performance.getEntriesByType("navigation")[0];
                    const mark = (name) => (performance.getEntriesByName(name)[0] || {}).startTime;
                    return {load: nav.loadEventStart, ready: mark("payment_form_ready"),
                            probe: mark("bench_form_ready")};
                })()""",
            )["result"]["value"]
            if figures.get("probe"):
                break
            time.sleep(0.1)
        time.sleep(0.5)  # what the page fetches right after (the opening beacon)
        self.send("Runtime.evaluate", session, expression="1")
        encoded, decoded, requests, errors, sizes = 0, 0, {}, [], {}
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            params = event.get("params", {})
            if event["method"] == "Network.responseReceived":
                requests[params["requestId"]] = params["response"]["url"]
            elif event["method"] == "Network.dataReceived":
                decoded += params["dataLength"]
            elif event["method"] == "Network.loadingFinished":
                encoded += params["encodedDataLength"]
                url = requests.get(params["requestId"], params["requestId"])
                sizes[url.split("?")[0]] = params["encodedDataLength"]
            elif event["method"] == "Runtime.exceptionThrown" or (
                event["method"] == "Runtime.consoleAPICalled" and params["type"] == "error"
            ):
                errors.append(json.dumps(params)[:300])
        self.send("Target.closeTarget", targetId=target["targetId"])
        self.send("Target.disposeBrowserContext", browserContextId=context)
        return {
            "bytes": encoded,
            "bytes_uncompressed": decoded,
            "requests": len(requests),
            "load_s": (figures.get("load") or 0) / 1000,
            "ready_s": (figures.get("ready") or figures.get("probe") or 0) / 1000,
            "probe_ready_s": (figures.get("probe") or 0) / 1000,
            "sizes": sizes,
            "errors": errors,
        }

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=30)
            shutil.rmtree(self.profile, ignore_errors=True)


def chart(medians, rounds, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {
        "pay": "/pay/<token> (ours)",
        "card": "card request /pay/<token> (ours)",
        "portal": "/my/invoices/<id> (Odoo)",
    }
    fig, (ax_time, ax_bytes) = plt.subplots(1, 2, figsize=(10, 4))
    keys = list(medians)
    y = range(len(keys))
    ax_time.barh(
        [i + 0.2 for i in y], [medians[k]["load_s"] for k in keys], 0.4, label="load event"
    )
    ax_time.barh(
        [i - 0.2 for i in y], [medians[k]["ready_s"] for k in keys], 0.4, label="payment form ready"
    )
    for key_index, key in enumerate(keys):
        for run in rounds[key]:
            ax_time.plot(run["ready_s"], key_index - 0.2, "k.", markersize=3)
            ax_time.plot(run["load_s"], key_index + 0.2, "k.", markersize=3)
    ax_time.axvline(MAX_READY_S, color="red", linestyle="--", linewidth=1, label="target 1.5 s")
    ax_time.set_yticks(list(y), [labels[k] for k in keys])
    ax_time.set_xlabel("seconds (slow 4G, cold cache; median, dots = rounds)")
    ax_time.legend(fontsize=8, loc="lower right")
    ax_bytes.barh(list(y), [medians[k]["bytes"] / 1024 for k in keys], 0.5)
    ax_bytes.axvline(MAX_BYTES / 1024, color="red", linestyle="--", linewidth=1)
    ax_bytes.set_yticks(list(y), ["" for _k in keys])
    ax_bytes.set_xlabel("KB transferred (gzip), target 250 KB")
    for index, key in enumerate(keys):
        ax_bytes.text(medians[key]["bytes"] / 1024, index, f" {medians[key]['bytes'] / 1024:.0f}")
    fig.suptitle("Customer's page on an emulated phone (Chromium, 150 ms RTT, 1.6 Mbit/s)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="loads per page, alternated")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--db", help="database name (default: a fresh throw-away name)")
    parser.add_argument("--reuse-db", action="store_true", help="the database exists already")
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers (default 2)")
    args = parser.parse_args()
    args.events = 1
    bench = Bench(args)
    proxy = chromium = None
    try:
        if not args.reuse_db:
            bench.create_database()
            bench.odoo_side("setup", "--invoices=0")
        port = free_port()
        prepared = bench.odoo_side("http", f"--port={port}", "--events=1")
        # The demo provider is a test provider: the bench's company accepts it on its links.
        bench.psql("UPDATE res_company SET payment_link_allow_test_providers = true")
        bench.start_server(port)
        GzipProxy.upstream = ("127.0.0.1", port)
        proxy = ThreadingServer(("127.0.0.1", 0), GzipProxy)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{proxy.server_address[1]}"
        page = prepared["page"]
        urls = {
            "pay": f"{base}/pay/{page['token']}",
            "card": f"{base}/pay/{page['card_token']}",
            "portal": (
                f"{base}/my/invoices/{page['invoice_id']}?access_token={page['access_token']}"
            ),
        }
        for url in urls.values():  # the assets built, the workers warm
            with urllib.request.urlopen(url, timeout=120) as response:
                response.read()
        chromium = Chromium()
        for url in urls.values():
            chromium.load(url)
        rounds = {key: [] for key in urls}
        print(
            f"== customer's page, Chromium, slow 4G ({LATENCY_MS} ms RTT, 1.6 Mbit/s down, "
            f"750 kbit/s up), cold cache, {args.rounds} alternated rounds",
            flush=True,
        )
        for _round in range(args.rounds):
            for key, url in urls.items():
                result = chromium.load(url)
                rounds[key].append(result)
                for error in result["errors"]:
                    print(f"   {key}: browser error: {error}", flush=True)
                print(
                    f"   {key:6s} {result['bytes'] / 1024:7.1f} KB ({result['requests']} requests, "
                    f"{result['bytes_uncompressed'] / 1024:.0f} KB uncompressed)  load "
                    f"{result['load_s']:5.2f} s  form ready {result['ready_s']:5.2f} s",
                    flush=True,
                )
        medians = {
            key: {
                field: statistics.median(r[field] for r in runs)
                for field in ("bytes", "bytes_uncompressed", "requests", "load_s", "ready_s")
            }
            for key, runs in rounds.items()
        }
        native = medians["portal"]
        print("\n== medians")
        header = (
            f"{'page':28s} {'KB':>7s} {'KB raw':>8s} {'req':>4s} {'load s':>7s} {'ready s':>8s}"
        )
        print(header + "\n" + "-" * len(header))
        for key, label in PAGES:
            m = medians[key]
            print(
                f"{label:28s} {m['bytes'] / 1024:7.1f} {m['bytes_uncompressed'] / 1024:8.1f} "
                f"{m['requests']:4.0f} {m['load_s']:7.2f} {m['ready_s']:8.2f}"
            )
        for key, label in (("pay", "ratio pay / native"), ("card", "ratio card / native")):
            m = medians[key]
            print(
                f"{label:28s} {m['bytes'] / native['bytes']:7.2f}x "
                f"{m['bytes_uncompressed'] / native['bytes_uncompressed']:7.2f}x {'':4s} "
                f"{m['load_s'] / native['load_s']:6.2f}x {m['ready_s'] / native['ready_s']:7.2f}x"
            )
        targets = []
        for key, name in (("pay", "pay page"), ("card", "card request page")):
            m = medians[key]
            targets += [
                (f"{name} bytes <= 250 KB", m["bytes"] <= MAX_BYTES, f"{m['bytes'] / 1024:.0f} KB"),
                (
                    f"{name} form ready <= 1.5 s",
                    0 < m["ready_s"] <= MAX_READY_S,
                    f"{m['ready_s']:.2f} s",
                ),
                (
                    f"{name} bytes <= 0.25x the portal invoice page",
                    m["bytes"] <= MAX_BYTES_RATIO * native["bytes"],
                    f"{m['bytes'] / native['bytes']:.2f}x",
                ),
            ]
        print("\n== targets")
        for name, ok, detail in targets:
            print(f"{'PASS' if ok else 'MISS'}  {name}: {detail}")
        results_dir = BENCH / "results"
        results_dir.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d_%H%M%S")
        png = results_dir / f"browser_{stamp}.png"
        chart(medians, rounds, png)
        out = results_dir / f"browser_{stamp}.json"
        out.write_text(json.dumps({"rounds": rounds, "medians": medians}, indent=1))
        print(f"\n== chart {png}\n== figures {out}")
    finally:
        if chromium:
            chromium.close()
        if proxy:
            proxy.shutdown()
        bench.cleanup()


if __name__ == "__main__":
    main()
