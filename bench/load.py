# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Load generators of the bench, for a server on this machine's loopback only.

``wrk`` (Debian package) measures the pages; a small keep-alive client on threads sends the
Stripe webhook events (each request has its own signed body). Every run is bounded in time
and in number of requests.
"""

import hashlib
import hmac
import http.client
import json
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

WRK_REPORT = Path(__file__).with_name("wrk_report.lua")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _check_loopback(url):
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"the bench only loads this machine's loopback, not {host}")


def run_clients(client, connections):
    """Run ``client`` in ``connections`` threads at once; return the seconds they took."""
    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.monotonic() - started


def percentile(values, pct):
    """The ``pct`` percentile of ``values`` (nearest rank), or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def page_load(url, duration, connections, threads=2):
    """GET ``url`` as fast as ``connections`` keep-alive clients can for ``duration`` seconds.

    :return: dict with ``rps``, ``p50_ms``, ``p95_ms``, ``requests``, ``errors``, ``tool``.
    """
    _check_loopback(url)
    if shutil.which("wrk"):
        return _wrk(url, duration, connections, threads)
    return _python_page_load(url, duration, connections)


def _wrk(url, duration, connections, threads):
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "-s",
        str(WRK_REPORT),
        url,
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=duration + 60)
    line = next(line for line in out.stdout.splitlines() if line.startswith("WRK-JSON "))
    data = json.loads(line.removeprefix("WRK-JSON "))
    data["tool"] = "wrk"
    return data


def _python_page_load(url, duration, connections):
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + duration
    latencies, errors, lock = [], [0], threading.Lock()

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine, bad = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    elapsed = run_clients(client, connections)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "requests": len(latencies),
        "errors": errors[0],
        "tool": "python",
    }


# --- Stripe webhook events --------------------------------------------------------------------


def stripe_event(reference, amount, currency, status="succeeded", index=0):
    """A ``payment_intent.*`` event as Stripe sends it, for the transaction ``reference``.

    The payment method is a bare id: with no tokenization asked, Odoo needs no call to Stripe.
    """
    intent_id = f"pi_bench{index:08d}"
    return {
        "id": f"evt_bench{index:08d}",
        "object": "event",
        "api_version": "2019-05-16",
        "type": f"payment_intent.{status}",
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": round(amount * 100),
                "currency": currency.lower(),
                "description": reference,
                "status": status,
                "payment_method": f"pm_bench{index:08d}",
            }
        },
    }


def sign(body, secret, timestamp=None):
    """The ``Stripe-Signature`` header of ``body`` (bytes), as Stripe computes it."""
    timestamp = int(timestamp or time.time())
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_requests(transactions, secret, valid=True, offset=0):
    """Signed (or wrongly signed) webhook requests, one per transaction."""
    requests = []
    for index, tx in enumerate(transactions, offset):
        body = json.dumps(
            stripe_event(tx["reference"], tx["amount"], tx["currency"], index=index)
        ).encode()
        signature = sign(body, secret if valid else secret + "-wrong")
        requests.append((body, {"Content-Type": "application/json", "Stripe-Signature": signature}))
    return requests


def post_all(url, requests, connections, time_limit=120):
    """POST every request once, ``connections`` at a time (keep-alive), within ``time_limit``.

    :return: dict with ``per_s``, ``p50_ms``, ``p95_ms``, ``requests``, ``statuses``.
    """
    _check_loopback(url)
    parts = urlsplit(url)
    pending = list(reversed(requests))
    lock = threading.Lock()
    latencies, statuses = [], {}
    deadline = time.monotonic() + time_limit

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                if not pending:
                    break
                body, headers = pending.pop()
            started = time.perf_counter()
            try:
                conn.request("POST", parts.path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    elapsed = run_clients(client, connections)
    return {
        "per_s": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": (percentile(latencies, 50) or 0) * 1000,
        "p95_ms": (percentile(latencies, 95) or 0) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
        "requests": len(latencies),
        "statuses": {str(key): value for key, value in statuses.items()},
    }
