# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Odoo environment the commands use runs every mode Odoo has (issue 26).

Not a database test: Odoo is started without one (``/web/health`` answers without a
database), so this takes seconds. It needs the Odoo that the commands found: run by
``python3 tools/run_tests.py`` (which restarts itself in the fetched environment first, so
it always runs there; a skip is counted as a failure), or alone with that environment's
python: ``~/.cache/payment_link_sms/venv/bin/python -m unittest tests.test_odoo_modes``
from ``tools/``. Without any Odoo 18 it is skipped.

What it proves, with the entry point and environment the demo and the test runner use
(``odoo_env.find_odoo`` and ``odoo_env.odoo_entry``):

* gevent's ``monkey.patch_all()`` works there, as Odoo's websocket process does it (its
  odoo/_monkeypatches/evented.py) — it fails with ``DistributionNotFound: The
  'zope.interface' distribution was not found`` under gevent 22.10 with zope.interface 8
  (tools/constraints.txt pins it);
* the prefork server starts: 2 HTTP workers, 1 cron worker and the websocket (gevent)
  process, each port answering;
* a reload (SIGHUP, what Odoo also does when a request reaches ``limit_time_real``)
  re-executes the command line with the bare ``python`` name: it must find this
  environment's python first on PATH, and Odoo must answer again on both ports;
* SIGTERM stops it and leaves no process of its session running.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import odoo_env

# What Odoo's websocket process does first: `odoo-bin gevent` imports odoo, whose
# odoo/_monkeypatches/evented.py runs gevent's monkey.patch_all() and patches psycopg2.
GEVENT_PROBE = """
import sys
sys.argv = ["odoo-bin", "gevent"]
import odoo
import gevent, gevent.socket, socket
assert odoo.evented, "odoo.evented is not set"
assert socket.socket is gevent.socket.socket, "socket is not patched by gevent"
print("GEVENT-OK", gevent.__version__)
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_pids(sid):
    """The processes of session ``sid`` still running (zombies excluded)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp session
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(entry.name))
    return pids


def odoo_found():
    env = dict(os.environ)
    if env.get("ODOO_PATH"):
        root = str(Path(env["ODOO_PATH"]).expanduser().resolve())
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    found = odoo_env.probe_odoo(sys.executable, env)
    return found and found[0] == odoo_env.ODOO_MAJOR


@unittest.skipUnless(odoo_found(), "no Odoo 18 importable by this python")
class TestOdooModes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The Odoo is importable: find_odoo() only returns what the commands use (PATH, …).
        cls.env, _addons_dirs, cls.package_dir = odoo_env.find_odoo()

    def wait_for(self, what, check, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except OSError as error:  # not listening yet, connection reset by a reload
                last = error
            time.sleep(0.5)
        self.fail(f"{what}: not within {timeout} s ({last or 'no answer'}); log: {self.log_path}")

    def test_gevent_patches_as_the_websocket_process_does(self):
        result = subprocess.run(
            [sys.executable, "-c", GEVENT_PROBE],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(
            result.returncode,
            0,
            f"gevent's monkey.patch_all() fails in {sys.prefix} (websocket process and "
            f"--workers cannot start; see tools/constraints.txt):\n{result.stderr[-2000:]}",
        )
        self.assertIn("GEVENT-OK", result.stdout)

    def test_prefork_websocket_reload_and_stop(self):
        http_port, gevent_port = free_port(), free_port()
        while gevent_port == http_port:
            gevent_port = free_port()
        # A database name that does not exist: the cron worker polls only it (never another
        # database of this PostgreSQL), the HTTP workers serve without a database.
        nodb = f"plsms_modes_nodb_{os.getpid()}"
        with tempfile.TemporaryDirectory(prefix="plsms_modes_") as data_dir:
            # Outside data_dir: kept for reading after a failure.
            self.log_path = Path(tempfile.gettempdir()) / f"{nodb}.log"
            cmd = [
                *odoo_env.odoo_entry(self.package_dir),
                f"--data-dir={data_dir}",
                f"--database={nodb}",
                f"--db-filter=^{nodb}$",
                "--workers=2",
                "--max-cron-threads=1",
                "--http-interface=127.0.0.1",
                f"--http-port={http_port}",
                f"--gevent-port={gevent_port}",
                "--log-level=info",
            ]
            with open(self.log_path, "w") as log:
                server = subprocess.Popen(
                    cmd,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.addCleanup(self.kill_session, server)

            def answers(port):
                if server.poll() is not None:
                    self.fail(f"Odoo exited ({server.returncode}); log: {self.log_path}")
                url = f"http://127.0.0.1:{port}/web/health"
                with urllib.request.urlopen(url, timeout=5) as answer:
                    return answer.status == 200

            def log_count(text):
                return self.log_path.read_text().count(text)

            self.wait_for("the HTTP workers answering", lambda: answers(http_port), 90)
            self.wait_for("the websocket process answering", lambda: answers(gevent_port), 90)
            self.wait_for(
                "a cron worker started",
                lambda: log_count("Worker WorkerCron") >= 1,
                60,
            )
            # A reload: Odoo re-executes its command line (the bare python name, found on PATH).
            server.send_signal(signal.SIGHUP)
            self.wait_for(
                "Odoo re-executing itself on SIGHUP",
                lambda: log_count("Odoo version ") >= 2,
                60,
            )
            self.wait_for(
                "the HTTP workers answering after the reload", lambda: answers(http_port), 90
            )
            self.wait_for(
                "the websocket process answering after the reload",
                lambda: answers(gevent_port),
                90,
            )
            self.assertEqual(server.poll(), None, f"Odoo exited; log: {self.log_path}")
            log_text = self.log_path.read_text()
            self.assertNotIn("No module named", log_text)
            self.assertNotIn("DistributionNotFound", log_text)

            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.fail(f"Odoo did not stop within 60 s of SIGTERM; log: {self.log_path}")
            self.wait_for(
                "every Odoo process gone after SIGTERM",
                lambda: not session_pids(server.pid),
                30,
            )
            for port in (http_port, gevent_port):
                with socket.socket() as sock:
                    self.assertNotEqual(
                        sock.connect_ex(("127.0.0.1", port)), 0, f"port {port} still listens"
                    )

    @staticmethod
    def kill_session(server):
        if server.poll() is None or session_pids(server.pid):
            try:
                os.killpg(server.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        server.wait()


if __name__ == "__main__":
    unittest.main()
