#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Prove it under load: our bulk send, pay page and webhook against Odoo's native equivalents.

Usage (from the repository root)::

    python3 bench/run.py [--big] [--keep-db]

On a fresh database of its own (payment_link_sms, payment_demo, payment_stripe and the Stripe
bridge when this repository has it; no demo data; Odoo's generic chart of accounts), it
creates posted invoices for customers with valid mobiles and emails, then measures in the same
run:

a) the bulk send of 100 and 1,000 invoices (10,000 with ``--big``): ours by SMS, email and
   both, against Odoo's mass SMS composer, mass mail composer and payment link wizard: wall
   time, SQL queries per invoice, peak Python memory;
b) the pay page ``/pay/<token>`` against Odoo's portal page of the same invoice, on an Odoo
   HTTP server on the loopback: requests per second, median and p95 latency;
c) Stripe webhook events (valid, duplicate, wrong signature) per second.

It prints the tables, the ratios ours / native and PASS / MISS per target, writes them as JSON
in ``bench/results/``, and drops its database unless ``--keep-db``.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tools"))
sys.path.insert(0, str(BENCH))

import load  # noqa: E402
from odoo_env import (  # noqa: E402
    REPO,
    apt_install,
    ensure_postgresql,
    ensure_python_requirements,
    find_odoo,
    run,
)

ODOO_SIDE = BENCH / "odoo_side.py"
MODULES = ["payment_link_sms", "payment_demo", "payment_stripe"]
# The Stripe bridge, and the outbound webhooks (auto-installed, named so that the run says so),
# when this repository has them.
OPTIONAL_MODULES = ["payment_link_sms_stripe", "payment_link_sms_webhook"]

# Targets of the issues "Prove it under load" and 15 (performance).
MAX_SEND_RATIO = 1.0  # our bulk SMS send vs Odoo's mass SMS composer (wall time)
MAX_EMAIL_RATIO = 1.2  # our bulk email send vs Odoo's mass mail composer (wall time)
WEBHOOK_QUERY_EVENTS = 20  # events of each kind measured in process (queries, CPU time)
QUERY_GROWTH_TOLERANCE = 1.10  # queries per invoice may not grow with N (10 % of noise)
MAX_MEMORY_GROWTH = 2.0  # 10x more invoices may at most double the peak memory (batching)
MAX_PAGE_RATIO = 0.8  # pay page median latency vs Odoo's portal invoice page
MIN_WEBHOOK_RATIO = 0.8  # events paying a link per second vs Odoo's own (no link)
BIG_SIDES = "ours_sms,native_sms"  # the sides measured at N >= 5,000 (unless --big-all)
CHART = BENCH / "bench_server.png"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Bench:
    def __init__(self, args):
        self.args = args
        self.env, addons_dirs, self.package_dir = find_odoo()
        # Into the python that runs Odoo (the fetched environment when the bench restarted
        # itself there): matplotlib for the charts, websocket-client for Chromium.
        ensure_python_requirements(("bench/requirements.txt",))
        self.addons_path = ",".join([str(REPO), *map(str, addons_dirs)])
        self.database = args.db or f"plsms_bench_{os.getpid()}"
        self.data_dir = tempfile.mkdtemp(prefix="plsms_bench_data_")
        self.log_dir = Path(tempfile.mkdtemp(prefix="plsms_bench_logs_"))
        self.server = None
        self.results = {"database": self.database, "started": time.strftime("%Y-%m-%d %H:%M")}

    # --- Odoo processes -------------------------------------------------------------------

    def odoo_options(self):
        return [
            f"--addons-path={self.addons_path}",
            f"--database={self.database}",
            f"--db-filter=^{self.database}$",
            f"--data-dir={self.data_dir}",
            "--max-cron-threads=0",
        ]

    def create_database(self):
        modules = MODULES + [
            m for m in OPTIONAL_MODULES if (REPO / m / "__manifest__.py").is_file()
        ]
        self.results["modules"] = modules
        print(f"== creating database {self.database} with {', '.join(modules)}", flush=True)
        run(["dropdb", "--if-exists", self.database], check=False, env=self.env)
        log = self.log_dir / "install.log"
        started = time.monotonic()
        code = run(
            [
                sys.executable,
                "-m",
                "odoo",
                *self.odoo_options(),
                f"--init={','.join(modules)}",
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
                f"--logfile={log}",
                f"--http-port={free_port()}",
                f"--gevent-port={free_port()}",
            ],
            check=False,
            env=self.env,
            cwd=REPO,
        ).returncode
        if code:
            raise SystemExit(f"ERROR: the installation failed (see {log})")
        print(f"   installed in {time.monotonic() - started:.0f}s", flush=True)

    def odoo_side(self, command, *options):
        out = self.log_dir / f"{command}.json"
        cmd = [
            sys.executable,
            str(ODOO_SIDE),
            command,
            f"--json-out={out}",
            *options,
            "--",
            *self.odoo_options(),
            "--log-level=warn",
            f"--logfile={self.log_dir / (command + '.log')}",
        ]
        code = run(cmd, check=False, env=self.env, cwd=REPO).returncode
        if code:
            raise SystemExit(
                f"ERROR: odoo_side {command} failed (see {self.log_dir / (command + '.log')})"
            )
        return json.loads(out.read_text())

    def start_server(self, port):
        log = self.log_dir / "server.log"
        cmd = [
            sys.executable,
            str(BENCH / "odoo_server.py"),
            *self.odoo_options(),
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            f"--gevent-port={free_port()}",
            f"--workers={self.args.workers}",
            "--log-level=warn",
            f"--logfile={log}",
        ]
        self.spawn_server(cmd, port, log, wait=120)

    def spawn_server(self, cmd, port, log, wait):
        """Start the Odoo server ``cmd``; wait at most ``wait`` seconds for its health route."""
        self.server = subprocess.Popen(cmd, env=self.env, cwd=REPO, start_new_session=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit(f"ERROR: the Odoo server stopped (see {log})")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/health", timeout=5):
                    return
            except OSError:
                time.sleep(1)
        raise SystemExit(f"ERROR: the Odoo server did not answer within {wait} s (see {log})")

    def stop_server(self):
        if not self.server or self.server.poll() is not None:
            return
        self.server.terminate()  # Odoo's graceful shutdown stops its workers too
        try:
            self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()

    def psql(self, sql):
        out = run(
            ["psql", "-d", self.database, "-tAc", sql],
            capture_output=True,
            env=self.env,
            check=False,
        )
        return out.stdout.strip()

    def cleanup(self):
        self.stop_server()
        if self.args.keep_db:
            print(f"== database kept: {self.database} (data dir {self.data_dir})", flush=True)
            return
        run(["dropdb", "--if-exists", "--force", self.database], check=False, env=self.env)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # --- Phases ---------------------------------------------------------------------------

    def phase_bulk(self):
        sizes = self.args.sizes or ([100, 1000, 10000] if self.args.big else [100, 1000])
        print(f"== a) bulk send, N = {', '.join(map(str, sizes))}", flush=True)
        setup = self.odoo_side("setup", f"--invoices={0 if self.args.reuse_db else max(sizes)}")
        options = [
            f"--sizes={','.join(map(str, sizes))}",
            f"--templates={json.dumps(setup['templates'])}",
        ]
        options.append(f"--repeat={self.args.repeat}")
        if not self.args.big_all:
            options.append(f"--big-sides={BIG_SIDES}")
        if self.args.no_memory:
            options.append("--no-memory")
        self.results["bulk"] = self.odoo_side("bulk", *options)
        self.results["bulk"]["sizes"] = sizes

    def phase_http(self):
        port = free_port()
        prepared = self.odoo_side("http", f"--port={port}", f"--events={self.args.events}")
        self.start_server(port)
        base = f"http://127.0.0.1:{port}"
        page = prepared["page"]
        urls = {
            "pay": f"{base}/pay/{page['token']}",
            "portal": (
                f"{base}/my/invoices/{page['invoice_id']}?access_token={page['access_token']}"
            ),
        }
        print(
            f"== b) pay page vs portal invoice page: {self.args.workers} workers, "
            f"{self.args.connections} connections, {self.args.duration}s x {self.args.rounds} "
            "rounds each",
            flush=True,
        )
        # Queries and in-process time per view first (no HTTP server in between).
        self.results["page_queries"] = self.odoo_side(
            "queries", f"--page={json.dumps(page)}", f"--repeat={self.args.rounds}"
        )
        # Webhook events in process too: SQL queries and process time per event, each kind.
        self.results["webhook_queries"] = self.odoo_side(
            "webhook_queries", f"--events={WEBHOOK_QUERY_EVENTS}"
        )
        for url in urls.values():
            # One request alone first: the first open of the link is recorded (a write).
            with urllib.request.urlopen(url, timeout=60) as response:
                response.read()
            load.page_load(url, 3, self.args.connections)  # warm up the workers
        rounds = {key: [] for key in urls}
        for _round in range(self.args.rounds):
            for key, url in urls.items():
                result = load.page_load(url, self.args.duration, self.args.connections)
                rounds[key].append(result)
                print(
                    f"   {key:6s} {result['rps']:7.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
                    f"p95 {result['p95_ms']:7.1f} ms  errors {result['errors']}",
                    flush=True,
                )
        self.results["pages"] = {
            key: {  # the median of the rounds
                "rps": statistics.median(r["rps"] for r in runs),
                "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                "p95_ms": statistics.median(r["p95_ms"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
                "requests": sum(r["requests"] for r in runs),
                "tool": runs[0]["tool"],
            }
            for key, runs in rounds.items()
        }

        print(
            f"== c) Stripe webhook events, {self.args.connections // 2 or 1} connections",
            flush=True,
        )
        webhook_url = f"{base}/payment/stripe/webhook"
        secret, txs = prepared["webhook_secret"], prepared["transactions"]
        connections = max(1, self.args.connections // 2)
        # Valid events with and without a link alternate in rounds (a load spike hits both
        # alike); then the same link events again (duplicates) and wrong signatures.
        rounds = max(1, min(self.args.rounds + 1, len(txs["link"])))
        chunk = -(-len(txs["link"]) // rounds)
        runs = {"valid (link)": [], "valid (no link, Odoo only)": []}
        for start in range(0, len(txs["link"]), chunk):
            for label, kind in (("valid (link)", "link"), ("valid (no link, Odoo only)", "plain")):
                part = txs[kind][start : start + chunk]
                runs[label].append(
                    load.post_all(
                        webhook_url,
                        load.webhook_requests(part, secret, offset=start),
                        connections,
                    )
                )
        webhooks = {label: merge_posts(results) for label, results in runs.items()}
        webhooks["duplicate (link)"] = load.post_all(
            webhook_url, load.webhook_requests(txs["link"], secret), connections
        )
        webhooks["bad signature"] = load.post_all(
            webhook_url, load.webhook_requests(txs["plain"], secret, valid=False), connections
        )
        for label, result in webhooks.items():
            print(
                f"   {label:28s} {result['per_s']:7.1f} events/s  p50 {result['p50_ms']:7.1f} ms"
                f"  statuses {result['statuses']}",
                flush=True,
            )
        webhooks["links paid"] = self.psql(
            "SELECT count(*) FROM payment_link l JOIN payment_transaction t "
            "ON t.payment_link_id = l.id WHERE t.reference LIKE 'BENCH-link-%' "
            "AND l.state = 'paid' AND t.state = 'done'"
        )
        webhooks["plain done"] = self.psql(
            "SELECT count(*) FROM payment_transaction WHERE reference LIKE 'BENCH-plain-%' "
            "AND state = 'done'"
        )
        self.results["webhooks"] = webhooks
        self.stop_server()

    # --- Report ---------------------------------------------------------------------------

    def report(self):
        targets = []
        print()
        if "bulk" in self.results:
            targets += print_bulk(self.results["bulk"])
        if "pages" in self.results:
            targets += print_pages(self.results["pages"], self.results.get("page_queries"))
        if "webhooks" in self.results:
            targets += print_webhooks(
                self.results["webhooks"], self.args.events, self.results.get("webhook_queries")
            )
        write_chart(self.results, CHART)
        print("\n== targets")
        for name, ok, detail in targets:
            print(f"{'PASS' if ok else 'MISS'}  {name}: {detail}")
        self.results["targets"] = [
            {"target": name, "pass": ok, "detail": detail} for name, ok, detail in targets
        ]
        results_dir = BENCH / "results"
        results_dir.mkdir(exist_ok=True)
        path = results_dir / f"bench_{time.strftime('%Y%m%d_%H%M%S')}.json"
        path.write_text(json.dumps(self.results, indent=1))
        passed = sum(ok for _n, ok, _d in targets)
        print(f"\n== results in {path}\ntargets: {passed} passed, {len(targets) - passed} missed")


def merge_posts(results):
    """One figure for rounds of ``load.post_all``: events over the rounds' time, the median of
    the rounds' medians."""
    statuses = {}
    for result in results:
        for status, count in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    requests = sum(result["requests"] for result in results)
    seconds = sum(result["requests"] / result["per_s"] for result in results if result["per_s"])
    return {
        "per_s": requests / seconds if seconds else 0.0,
        "p50_ms": statistics.median(result["p50_ms"] for result in results),
        "p95_ms": statistics.median(result["p95_ms"] for result in results),
        "requests": requests,
        "statuses": statuses,
        "rounds_per_s": [result["per_s"] for result in results],
    }


def _rows(bulk):
    return {(row["side"], row["size"]): row for row in bulk["rows"]}


def _ratio(ours, native):
    return ours / native if native else float("inf")


def print_bulk(bulk):
    rows, labels, sizes = _rows(bulk), bulk["labels"], bulk["sizes"]
    print(
        "== a) bulk send: 'send' is the user's click (links, outboxes, chatter), the SMS outbox "
        "is then handed\n   to the mocked IAP gateway ('SMS queue'); email outboxes are not "
        "processed (SMTP never contacted)."
    )
    header = (
        f"{'side':40s} {'N':>6s} {'send s':>8s} {'CPU s':>7s} {'ms/inv':>7s} {'q/inv':>7s} "
        f"{'SMS queue s':>11s} {'peak MiB':>9s}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        for side, label in labels.items():
            row = rows.get((side, size))
            if not row:
                continue
            queue = f"{row['queue_s']:11.2f}" if row.get("queue_s") is not None else " " * 11
            peak = row.get("peak_bytes")
            print(
                f"{label:40s} {size:6d} {row['send_s']:8.2f} {row.get('send_cpu_s', 0):7.2f} "
                f"{row['send_s'] * 1000 / size:7.2f} {row['send_queries'] / size:7.2f} "
                f"{queue} {peak / 2**20 if peak else float('nan'):9.1f}"
            )
        print()
    comparisons = [
        ("ours sms / native SMS composer", ["ours_sms"], ["native_sms"]),
        ("ours email / native mail composer", ["ours_email"], ["native_mail"]),
        ("ours both / native SMS + mail", ["ours_both"], ["native_sms", "native_mail"]),
        ("ours sms / native link wizard", ["ours_sms"], ["native_link"]),
    ]
    print(
        f"{'ratio ours / native':40s} {'N':>6s} {'time':>7s} {'CPU':>7s} {'queries':>8s} "
        f"{'memory':>7s}"
    )
    for size in sizes:
        for label, ours, native in comparisons:
            if not all((key, size) in rows for key in ours + native):
                continue

            def total(keys, field, size=size):
                return sum(rows[(key, size)].get(field) or 0 for key in keys)

            print(
                f"{label:40s} {size:6d} "
                f"{_ratio(total(ours, 'send_s'), total(native, 'send_s')):6.2f}x "
                f"{_ratio(total(ours, 'send_cpu_s'), total(native, 'send_cpu_s')):6.2f}x "
                f"{_ratio(total(ours, 'send_queries'), total(native, 'send_queries')):7.2f}x "
                f"{_ratio(total(ours, 'peak_bytes'), total(native, 'peak_bytes')):6.2f}x"
            )
    print(
        f"(SMS bodies: ours {rows[('ours_sms', sizes[0])]['sms_length']} characters on average, "
        f"native {rows[('native_sms', sizes[0])]['sms_length']})"
    )

    targets = []
    ratios = [
        (size, _ratio(rows[("ours_sms", size)]["send_s"], rows[("native_sms", size)]["send_s"]))
        for size in sizes
    ]
    targets.append(
        (
            f"bulk SMS send <= {MAX_SEND_RATIO:.1f}x native mass SMS composer time",
            all(ratio <= MAX_SEND_RATIO for _s, ratio in ratios),
            ", ".join(f"N={size}: {ratio:.2f}x" for size, ratio in ratios),
        )
    )
    email_ratios = [
        (size, _ratio(rows[("ours_email", size)]["send_s"], rows[("native_mail", size)]["send_s"]))
        for size in sizes
        if ("ours_email", size) in rows and ("native_mail", size) in rows
    ]
    targets.append(
        (
            f"bulk email send <= {MAX_EMAIL_RATIO:.1f}x native mass mail composer time",
            all(ratio <= MAX_EMAIL_RATIO for _s, ratio in email_ratios),
            ", ".join(f"N={size}: {ratio:.2f}x" for size, ratio in email_ratios),
        )
    )
    for side in ("ours_sms", "ours_email", "ours_both"):
        measured = [size for size in sizes if (side, size) in rows]
        per_inv = [(size, rows[(side, size)]["send_queries"] / size) for size in measured]
        base = per_inv[0][1]
        targets.append(
            (
                f"queries per invoice constant from {measured[0]} to {measured[-1]} ({side})",
                all(q <= base * QUERY_GROWTH_TOLERANCE for _s, q in per_inv[1:]),
                ", ".join(f"N={size}: {q:.2f}" for size, q in per_inv),
            )
        )
    if rows[("ours_sms", sizes[0])].get("peak_bytes"):
        for side in ("ours_sms", "ours_email", "ours_both"):
            peaks = [
                (size, rows[(side, size)]["peak_bytes"]) for size in sizes if (side, size) in rows
            ]
            growths = [
                (peaks[i][1] / peaks[i - 1][1]) / (peaks[i][0] / peaks[i - 1][0]) * 10
                for i in range(1, len(peaks))
            ]
            targets.append(
                (
                    (
                        f"memory flat with batching ({side}): 10x the invoices <= "
                        f"{MAX_MEMORY_GROWTH:.0f}x the peak"
                    ),
                    all(growth <= MAX_MEMORY_GROWTH for growth in growths),
                    ", ".join(f"N={size}: {peak / 2**20:.1f} MiB" for size, peak in peaks),
                )
            )
    return targets


def print_pages(pages, page_queries=None):
    pay, portal = pages["pay"], pages["portal"]
    if page_queries:
        print("\n== b) pages in process (Odoo's WSGI application, no cookie): per view")
        for key, label in (("pay", "ours: /pay/<token>"), ("portal", "native: /my/invoices/<id>")):
            row = page_queries[key]
            print(f"{label:44s} {row['queries']:5.0f} queries  {row['ms']:7.1f} ms")
        print(
            f"{'ratio ours / native':44s} "
            f"{_ratio(page_queries['pay']['queries'], page_queries['portal']['queries']):5.2f}x"
            f"          {_ratio(page_queries['pay']['ms'], page_queries['portal']['ms']):6.2f}x"
        )
    print(f"\n== b) pages ({pay['tool']}): same invoice, same server, same client")
    header = f"{'page':44s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'errors':>7s}"
    print(header)
    print("-" * len(header))
    for label, row in (
        ("ours: GET /pay/<token>", pay),
        ("native: GET /my/invoices/<id>?access_token", portal),
    ):
        print(
            f"{label:44s} {row['rps']:8.1f} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
            f"{row['errors']:7d}"
        )
    rps, p50, p95 = (
        _ratio(pay["rps"], portal["rps"]),
        _ratio(pay["p50_ms"], portal["p50_ms"]),
        _ratio(pay["p95_ms"], portal["p95_ms"]),
    )
    print(f"{'ratio ours / native':44s} {rps:7.2f}x {p50:7.2f}x {p95:7.2f}x")
    ok = p50 <= MAX_PAGE_RATIO and not pay["errors"] and not portal["errors"]
    return [
        (
            f"pay page median latency <= {MAX_PAGE_RATIO:.1f}x native portal invoice page",
            ok,
            (
                f"p50 {pay['p50_ms']:.1f} vs {portal['p50_ms']:.1f} ms ({p50:.2f}x), "
                f"p95 {p95:.2f}x, throughput {rps:.2f}x"
            ),
        )
    ]


def print_webhooks(webhooks, events, webhook_queries=None):
    if webhook_queries:
        print("\n== c) webhook events in process (Odoo's WSGI application): per event")
        for key, label in (("link", "valid (link)"), ("plain", "valid (no link, Odoo only)")):
            row = webhook_queries[key]
            print(f"{label:44s} {row['queries']:5.0f} queries  {row['cpu_ms']:7.1f} ms CPU")
        link, plain = webhook_queries["link"], webhook_queries["plain"]
        print(
            f"{'ratio link / no link':44s} {_ratio(link['queries'], plain['queries']):5.2f}x"
            f"          {_ratio(link['cpu_ms'], plain['cpu_ms']):6.2f}x"
        )
    print("\n== c) Stripe webhook (POST /payment/stripe/webhook, signed events)")
    header = f"{'events':32s} {'events/s':>9s} {'p50 ms':>8s} {'p95 ms':>8s}  statuses"
    print(header)
    print("-" * len(header))
    for label, row in webhooks.items():
        if isinstance(row, dict):
            print(
                f"{label:32s} {row['per_s']:9.1f} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}  "
                f"{row['statuses']}"
            )
    print(
        f"links paid by the valid events: {webhooks['links paid']}/{events}; "
        f"transactions without link done: {webhooks['plain done']}/{events}"
    )
    if not (webhooks.get("valid (link)") and webhooks.get("valid (no link, Odoo only)")):
        return []
    link, plain = webhooks["valid (link)"], webhooks["valid (no link, Odoo only)"]
    ratio = _ratio(link["per_s"], plain["per_s"])
    print(f"valid events with a link / without: {ratio:.2f}x the throughput")
    paid_once = str(webhooks["links paid"]) == str(events)
    return [
        (
            f"webhook paying a link >= {MIN_WEBHOOK_RATIO:.1f}x Odoo's own rate, each link paid",
            ratio >= MIN_WEBHOOK_RATIO and paid_once,
            (
                f"{link['per_s']:.1f} vs {plain['per_s']:.1f} events/s ({ratio:.2f}x), "
                f"links paid {webhooks['links paid']}/{events}"
            ),
        )
    ]


def write_chart(results, path):
    """The chart of the run (PNG): bulk send time against N, page latency, webhook rates."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("== matplotlib missing (pip install -r bench/requirements.txt): no chart")
        return
    panels = [key for key in ("bulk", "pages", "webhooks") if key in results]
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2))
    axes = axes if len(panels) > 1 else [axes]
    for ax, panel in zip(axes, panels, strict=True):
        if panel == "bulk":
            rows = _rows(results["bulk"])
            for side, label, style in (
                ("ours_sms", "ours SMS", "o-"),
                ("native_sms", "native SMS composer", "o--"),
                ("ours_email", "ours email", "s-"),
                ("native_mail", "native mail composer", "s--"),
            ):
                points = sorted(
                    (size, row["send_s"]) for (key, size), row in rows.items() if key == side
                )
                if points:
                    ax.plot(*zip(*points, strict=True), style, label=label)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("invoices (N)")
            ax.set_ylabel("send time, s")
            ax.set_title("a) bulk send time against N")
            ax.legend(fontsize=8)
        elif panel == "pages":
            pages = results["pages"]
            keys = [("pay", "ours /pay/<token>"), ("portal", "native /my/invoices/<id>")]
            x = range(len(keys))
            ax.bar([i - 0.2 for i in x], [pages[k]["p50_ms"] for k, _l in keys], 0.4, label="p50")
            ax.bar([i + 0.2 for i in x], [pages[k]["p95_ms"] for k, _l in keys], 0.4, label="p95")
            ax.set_xticks(list(x), [label for _k, label in keys], fontsize=8)
            ax.set_ylabel("latency under load, ms")
            ax.set_title("b) customer's page (server side)")
            ax.legend(fontsize=8)
        else:
            hooks = results["webhooks"]
            keys = [
                key
                for key in ("valid (link)", "valid (no link, Odoo only)", "duplicate (link)")
                if isinstance(hooks.get(key), dict)
            ]
            ax.bar(range(len(keys)), [hooks[k]["per_s"] for k in keys], 0.6)
            ax.set_xticks(
                list(range(len(keys))), [k.replace(" (", "\n(") for k in keys], fontsize=8
            )
            ax.set_ylabel("events per second")
            ax.set_title("c) Stripe webhook")
    fig.suptitle(f"payment_link_sms bench, {results['started']} (2 cores, shared)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"== chart: {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", action="store_true", help="also measure 10,000 invoices")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--big-all",
        action="store_true",
        help=f"every side at N >= 5,000 (default: {BIG_SIDES}; the link wizard x 10,000 "
        "takes most of an hour)",
    )
    parser.add_argument("--db", help="database name (default: a fresh throw-away name)")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="measure on the existing database --db (made by an earlier run's setup, its "
        "invoices kept) instead of creating one",
    )
    parser.add_argument(
        "--sizes", type=lambda v: [int(s) for s in v.split(",")], help="e.g. 100,1000"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed rounds per size below 5,000 (median kept)"
    )
    parser.add_argument("--no-http", action="store_true", help="skip the pages and webhooks")
    parser.add_argument("--no-bulk", action="store_true", help="skip the bulk send")
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per page, alternated")
    parser.add_argument("--events", type=int, default=200, help="webhook events per kind")
    args = parser.parse_args()

    bench = Bench(args)
    print(f"== Odoo 18 at {bench.package_dir}", flush=True)
    ensure_postgresql()
    if not shutil.which("wrk"):
        try:
            apt_install(["wrk"])
        except subprocess.CalledProcessError:
            print("== wrk could not be installed: the Python load generator is used", flush=True)
    started = time.monotonic()
    try:
        if not args.reuse_db:
            bench.create_database()
        if not args.no_bulk:
            bench.phase_bulk()
        elif not args.no_http:
            bench.odoo_side("setup", "--invoices=0")
        if not args.no_http:
            bench.phase_http()
        bench.report()
    finally:
        bench.cleanup()
        print(f"== {time.monotonic() - started:.0f}s in all; logs in {bench.log_dir}", flush=True)


if __name__ == "__main__":
    main()
