#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the Odoo 18 test suite of the addons in this repository on a fresh database.

Usage (from the repository root)::

    python3 tools/run_tests.py                       # every addon, every test
    python3 tools/run_tests.py --tags /payment_link_sms:TestPayPage
    python3 tools/run_tests.py --modules payment_link_sms --keep-db

What it does, in order:

1. finds Odoo 18 (``ODOO_PATH`` pointing at a source checkout, else an importable ``odoo``);
   any other major version, or no Odoo at all, is a failure with a clear message;
2. installs and starts PostgreSQL (Debian packages) when it is missing or stopped, installs
   Chromium for the browser tours, and ``requirements.txt`` / ``requirements-test.txt``;
3. creates a fresh database, installs the addons with ``--test-enable`` (at_install and
   post_install tests), then checks that every addon uninstalls cleanly;
4. on full runs, runs the commands' own tests (tools/tests) and the production-mode journey
   (tools/prod_journey.py: workers, cron worker, websocket process; its own database);
5. drops the database and prints ``N passed, M failed`` as its last line. The exit code is
   non-zero on any failed or erroring test, on any skipped test of ours (a tour skipped for
   lack of ``websocket-client`` is a failure, not a pass), on an addon that did not install or
   uninstall, and on an error logged outside the tests.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from odoo_env import (
    ODOO_MAJOR,
    REPO,
    cache_dir,
    ensure_chromium,
    ensure_postgresql,
    ensure_python_requirements,
    fail,
    find_odoo,
    odoo_entry,
    repo_addons,
    run,
)

# The demo payment provider completes payments without any external service.
TEST_ADDONS = ["payment_demo"]

RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
LOG_LINE_RE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): "
    r"(?P<msg>.*)$"
)

# axe-core, the accessibility rules the pay pages are checked against (test_accessibility.py):
# npm's package, installed in the cache, never copied into the repository.
AXE_CORE_VERSION = "4.14.1"
AXE_CORE_ENV = "PAYLINK_AXE_CORE_JS"


def ensure_axe_core(install=True):
    """axe-core's ``axe.min.js`` at ``AXE_CORE_VERSION``, installed with npm when missing.

    :param bool install: Install it when missing (``--no-setup``: only find it).
    :return: The script's path, or None when it is not there (the test then fails).
    """
    prefix = cache_dir() / "axe-core"
    package = prefix / "node_modules" / "axe-core"
    script = package / "axe.min.js"
    version = re.search(r'"version":\s*"([^"]+)"', _read(package / "package.json"))
    if install and not (script.is_file() and version and version[1] == AXE_CORE_VERSION):
        if not shutil.which("npm"):
            fail("ERROR: npm is needed to install axe-core for the accessibility tests.")
        prefix.mkdir(parents=True, exist_ok=True)
        run(
            [
                "npm",
                "install",
                "--prefix",
                str(prefix),
                "--no-audit",
                "--no-fund",
                f"axe-core@{AXE_CORE_VERSION}",
            ],
            stdout=subprocess.DEVNULL,
        )
    return script if script.is_file() else None


def _read(path):
    return path.read_text() if path.is_file() else ""


# --- Test run -------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_command(addons_path, database, data_dir, extra, package_dir):
    return [
        *odoo_entry(package_dir),
        f"--addons-path={addons_path}",
        f"--database={database}",
        f"--data-dir={data_dir}",
        "--db-filter=^%s$" % re.escape(database),
        "--max-cron-threads=0",
        "--without-demo=all",
        "--log-level=info",
        "--stop-after-init",
        *extra,
    ]


def run_and_tee(cmd, env, log_path):
    """Run ``cmd`` showing its output live and keeping it in ``log_path``."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        return proc.wait()


def parse_log(log_text, modules):
    """Read Odoo's log: its result line, our skipped tests, errors outside tests."""
    counts = RESULT_RE.findall(log_text)
    ours = tuple(f"odoo.addons.{m}" for m in modules)
    skipped, errors, warnings = [], [], []
    for line in log_text.splitlines():
        match = LOG_LINE_RE.match(line)
        if not match:
            continue
        level, logger, msg = match["level"], match["logger"], match["msg"]
        if msg.startswith("skipped ") and (
            logger.startswith(ours) or any(m in msg for m in modules)
        ):
            skipped.append(line)
        elif level in ("ERROR", "CRITICAL"):
            errors.append(line)
        elif level == "WARNING" and logger.startswith(ours):
            warnings.append(line)
        elif level == "WARNING" and "websocket-client module is not installed" in msg:
            skipped.append(line)
    return counts, skipped, errors, warnings


def installed_states(env, database, modules):
    sql = "select name, state from ir_module_module where name in (%s)" % ",".join(
        "'%s'" % m for m in modules
    )
    out = run(
        ["psql", "-d", database, "-tAF", "|", "-c", sql], check=False, capture_output=True, env=env
    )
    if out.returncode:
        return {}
    return dict(line.split("|") for line in out.stdout.split() if "|" in line)


UNINSTALL_SCRIPT = """
import sys, odoo
from odoo.tools import config
config.parse_config(sys.argv[1:])
modules = %(modules)r
engine = "payment_link_sms"


def installed(cr):
    cr.execute("select name from ir_module_module where name in %%s and state = 'installed'",
               [tuple(modules)])
    return {r[0] for r in cr.fetchall()}


def own_tables(registry, names):
    return sorted(
        model._table for model in registry.models.values()
        if model._original_module in names and model._auto and not model._abstract
    )


def leftovers(cr, names, tables):
    cr.execute("select name from ir_module_module where name in %%s and state != 'uninstalled'",
               [tuple(names)])
    left = [r[0] for r in cr.fetchall()]
    cr.execute("select tablename from pg_tables where tablename in %%s", [tuple(tables or [""])])
    dropped_not = [r[0] for r in cr.fetchall()]
    cr.execute("select count(*) from ir_model_data where module in %%s", [tuple(names)])
    return left, dropped_not, cr.fetchone()[0]


failed = False
# 1. Each addon of a concern alone (cards, desk requests, webhooks, the bridges): uninstalling
#    it removes it (and only what depends on it), and what stays keeps working: the registry
#    loads, every stored model of what stays answers a search, its views validate.
with odoo.modules.registry.Registry.new(%(database)r).cursor() as cr:
    present = installed(cr)
for name in [m for m in modules if m != engine and m in present]:
    registry = odoo.modules.registry.Registry(%(database)r)
    with registry.cursor() as cr:
        before = installed(cr)
        if name not in before:
            continue  # removed with an addon it depends on
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        tables = own_tables(registry, [name])
        env['ir.module.module'].search([('name', '=', name)]).button_immediate_uninstall()
    registry = odoo.modules.registry.Registry.new(%(database)r)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        after = installed(cr)
        gone = before - after
        left, tables_left, xmlids = leftovers(cr, [name], tables)
        kept = sorted(after)
        broken = []
        for model in registry.models.values():
            if model._original_module in after and model._auto and not model._abstract:
                try:
                    with cr.savepoint():
                        env[model._name].sudo().search_count([])
                except Exception as error:
                    broken.append(f"{model._name}: {error}")
        touched = [m for m in registry if m.startswith("payment")] + [
            "account.move", "res.partner", "res.company", "res.config.settings", "sale.order"]
        views = env['ir.ui.view'].search([('model', 'in', touched), ('type', '!=', 'qweb')])
        try:
            views._check_xml()
        except Exception as error:
            broken.append(f"views: {error}")
        ok = engine in after and not left and not tables_left and not xmlids and not broken
        print("UNINSTALL-ALONE %%s %%s: removed %%s, kept %%s%%s" %% (
            name, "OK" if ok else "FAILED", sorted(gone), kept,
            "" if ok else f" left={left} tables={tables_left} xmlids={xmlids} broken={broken}"))
        failed |= not ok

# 2. Then everything: no module, table or XML id of ours remains.
registry = odoo.modules.registry.Registry.new(%(database)r)
tables = own_tables(registry, modules)
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    env['ir.module.module'].search(
        [('name', 'in', modules), ('state', '=', 'installed')]).button_immediate_uninstall()
with odoo.modules.registry.Registry(%(database)r).cursor() as cr:
    left, tables, xmlids = leftovers(cr, modules, tables)
if left or tables or xmlids or failed:
    print("UNINSTALL-FAILED modules=%%s tables=%%s xmlids=%%s" %% (left, tables, xmlids))
    sys.exit(1)
print("UNINSTALL-OK (every addon alone, then all)")
"""


def check_uninstall(env, addons_path, database, data_dir, modules, log_path):
    script = UNINSTALL_SCRIPT % {"modules": modules, "database": database}
    cmd = [
        sys.executable,
        "-c",
        script,
        f"--addons-path={addons_path}",
        f"--database={database}",
        f"--data-dir={data_dir}",
        "--log-level=warn",
    ]
    code = run_and_tee(cmd, env, log_path)
    return code == 0 and "UNINSTALL-OK" in Path(log_path).read_text()


TOOL_TESTS_RAN_RE = re.compile(r"^Ran (\d+) tests?", re.MULTILINE)
TOOL_TESTS_BAD_RE = re.compile(r"(failures|errors|skipped|unexpected successes)=(\d+)")


def run_tool_tests():
    """The tests of these commands themselves (tools/tests, plain unittest, no Odoo needed).

    :return: ``(passed, failed)``; a skipped tool test counts as failed, as ours do.
    """
    print("== tool tests: python3 -m unittest discover -s tools/tests", flush=True)
    result = run(
        [sys.executable, "-m", "unittest", "discover", "-s", "tools/tests", "-t", "tools", "-v"],
        check=False,
        capture_output=True,
        cwd=REPO,
    )
    output = result.stderr + result.stdout
    sys.stdout.write(output)
    ran = TOOL_TESTS_RAN_RE.search(output)
    total = int(ran[1]) if ran else 0
    bad = sum(int(count) for _kind, count in TOOL_TESTS_BAD_RE.findall(output.split("\nRan ")[-1]))
    if result.returncode and not bad:
        bad = 1
    if not total:
        bad = max(bad, 1)
    return max(total - bad, 0), bad


# Odoo's own suites of the modules we extend, run with our addons installed (issue 20, item 9).
ODOO_SUITES = ["account_payment", "payment", "payment_demo", "sms", "phone_validation"]
ODOO_SUITES_IF = {"sale": "payment_link_sms_sale"}  # an Odoo module: the bridge installing it
# Single named tests of Odoo left out, each with its reason (never a whole module or class).
ODOO_SUITES_EXCLUDED = []


def run_odoo_suites(env, addons_dirs, package_dir):
    """Odoo's own test suites of the modules our addons extend, on a database of their own
    where every addon of this repository is installed: installing us must not break Odoo.

    :return: ``(passed, failed, problems)``
    """
    ours = repo_addons()
    suites = ODOO_SUITES + [m for m, bridge in ODOO_SUITES_IF.items() if bridge in ours]
    tags = ",".join([f"/{m}" for m in suites] + [f"-{t}" for t in ODOO_SUITES_EXCLUDED])
    database = f"plsms_odoo_{os.getpid()}"
    data_dir = tempfile.mkdtemp(prefix="plsms_data_")
    log_path = Path(tempfile.gettempdir()) / f"{database}.log"
    addons_path = ",".join([str(REPO), *map(str, addons_dirs)])
    run(["dropdb", "--if-exists", database], check=False, env=env)
    extra = [
        "--init=" + ",".join(ours + [m for m in suites if m not in ours]),
        "--test-enable",
        f"--test-tags={tags}",
        f"--http-port={free_port()}",
        f"--gevent-port={free_port()}",
    ]
    cmd = odoo_command(addons_path, database, data_dir, extra, package_dir)
    print("== Odoo's own suites: " + " ".join(cmd), flush=True)
    started = time.monotonic()
    code = run_and_tee(cmd, env, log_path)
    counts, _skipped, errors, warnings = parse_log(log_path.read_text(), ours)
    states = installed_states(env, database, ours + suites)
    run(["dropdb", "--if-exists", database], check=False, env=env)
    shutil.rmtree(data_dir, ignore_errors=True)
    failed = errors_count = total = 0
    if counts:
        failed, errors_count, total = map(int, counts[-1])
    problems = []
    if code:
        problems.append(f"Odoo's suites: Odoo exited with code {code}")
    not_installed = [m for m in ours + suites if states.get(m) != "installed"]
    if not_installed:
        problems.append(f"Odoo's suites: not installed: {', '.join(not_installed)}")
    if not total:
        problems.append("Odoo's suites: no test ran")
    if errors and not (failed or errors_count):
        problems.append(
            "Odoo's suites: errors logged outside the tests:\n  " + "\n  ".join(errors[:20])
        )
    if warnings:
        problems.append(
            "Odoo's suites: warnings logged by our addons:\n  " + "\n  ".join(warnings[:20])
        )
    bad = failed + errors_count
    passed = max(total - bad, 0)
    if problems and not bad:
        bad = 1
    print(
        f"== Odoo's suites ({', '.join(suites)}): {passed} passed, {bad} failed in "
        f"{time.monotonic() - started:.0f}s, full log: {log_path}",
        flush=True,
    )
    return passed, bad, problems


PROD_JOURNEY_RESULT_RE = re.compile(r"^(\d+) passed, (\d+) failed$", re.MULTILINE)


def run_prod_journey():
    """The production-mode journey (tools/prod_journey.py: workers, cron worker, websocket
    process, a link paid through them), on its own database, on full runs.

    :return: ``(passed, failed)`` from its last line; no such line counts as one failure.
    """
    print("== production-mode journey: tools/prod_journey.py", flush=True)
    started = time.monotonic()
    result = run(
        [sys.executable, str(REPO / "tools" / "prod_journey.py")],
        check=False,
        capture_output=True,
        cwd=REPO,
    )
    sys.stdout.write(result.stdout + result.stderr)
    print(f"== production-mode journey: {time.monotonic() - started:.0f}s", flush=True)
    counts = PROD_JOURNEY_RESULT_RE.findall(result.stdout)
    passed, failed = map(int, counts[-1]) if counts else (0, 1)
    if result.returncode and not failed:
        failed = 1
    return passed, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tags", help="Odoo --test-tags filter (default: every test of our addons)"
    )
    parser.add_argument(
        "--modules",
        help="comma-separated addons to install and test (default: every addon of this repository)",
    )
    parser.add_argument("--db", help="database name (default: a fresh throw-away name)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--no-uninstall", action="store_true", help="skip the uninstall check (fast inner loop)"
    )
    parser.add_argument(
        "--no-setup", action="store_true", help="do not install system or Python packages"
    )
    parser.add_argument(
        "--odoo-suites",
        action="store_true",
        help="run only Odoo's own suites of the modules we extend, with our addons installed "
        "(full runs include them)",
    )
    args = parser.parse_args()

    env, addons_dirs, package_dir = find_odoo()
    print(f"== Odoo {ODOO_MAJOR} found at {package_dir}", flush=True)
    if not args.no_setup:
        ensure_postgresql()
        ensure_chromium()
        ensure_python_requirements()
    axe_core = ensure_axe_core(install=not args.no_setup)
    if axe_core:
        env[AXE_CORE_ENV] = str(axe_core)

    if args.odoo_suites:
        passed, bad, problems = run_odoo_suites(env, addons_dirs, package_dir)
        for problem in problems:
            print(f"FAILED: {problem}", flush=True)
        print(f"{passed} passed, {bad} failed", flush=True)
        sys.exit(1 if bad else 0)

    # The commands' own tests, on full runs (an inner loop with --tags or --modules skips them).
    tool_passed = tool_failed = 0
    if not (args.tags or args.modules):
        tool_passed, tool_failed = run_tool_tests()
        journey = run_prod_journey()
        tool_passed, tool_failed = tool_passed + journey[0], tool_failed + journey[1]

    modules = args.modules.split(",") if args.modules else repo_addons()
    # Odoo addons our tests use without the addons depending on them.
    test_addons = [m for m in TEST_ADDONS if m not in modules]
    unknown = sorted(set(modules) - set(repo_addons()))
    if unknown:
        fail(
            f"ERROR: unknown addon(s) {', '.join(unknown)}; this repository has "
            f"{', '.join(repo_addons())}."
        )
    tags = args.tags or ",".join(f"/{m}" for m in modules)
    addons_path = ",".join([str(REPO), *map(str, addons_dirs)])
    database = args.db or f"plsms_test_{os.getpid()}"
    data_dir = tempfile.mkdtemp(prefix="plsms_data_")
    log_path = Path(tempfile.gettempdir()) / f"{database}.log"
    run(["dropdb", "--if-exists", database], check=False, env=env)

    cmd = odoo_command(
        addons_path,
        database,
        data_dir,
        [
            "--init=" + ",".join(modules + test_addons),
            "--test-enable",
            f"--test-tags={tags}",
            f"--http-port={free_port()}",
            f"--gevent-port={free_port()}",
        ],
        package_dir,
    )
    print("== " + " ".join(cmd), flush=True)
    started = time.monotonic()
    code = run_and_tee(cmd, env, log_path)
    log_text = log_path.read_text()
    counts, skipped, errors, warnings = parse_log(log_text, modules)
    states = installed_states(env, database, modules)

    failed = errors_count = total = 0
    if counts:
        failed, errors_count, total = map(int, counts[-1])
    problems = []
    if code:
        problems.append(f"Odoo exited with code {code}")
    not_installed = [m for m in modules if states.get(m) != "installed"]
    if not_installed:
        problems.append(f"not installed: {', '.join(not_installed)}")
    if not counts:
        problems.append("Odoo printed no test result line")
    elif total == 0:
        problems.append("no test ran")
    if skipped:
        problems.append(f"{len(skipped)} test(s) of ours skipped:\n  " + "\n  ".join(skipped))
    if errors and not (failed or errors_count):
        problems.append("errors logged outside the tests:\n  " + "\n  ".join(errors[:20]))
    if warnings:
        problems.append("warnings logged by our addons:\n  " + "\n  ".join(warnings[:20]))

    if not args.no_uninstall and not not_installed:
        uninstall_log = Path(tempfile.gettempdir()) / f"{database}.uninstall.log"
        if check_uninstall(env, addons_path, database, data_dir, modules, uninstall_log):
            print("== uninstall check: each addon alone, then all, uninstalled cleanly", flush=True)
        else:
            problems.append(f"uninstall check failed (see {uninstall_log})")

    if not args.keep_db:
        run(["dropdb", "--if-exists", database], check=False, env=env)
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"== database kept: {database} (data dir {data_dir})")

    bad = failed + errors_count + len(skipped)
    passed = max(total - bad, 0)
    if problems and not bad:
        bad = 1
    if tool_failed:
        problems.append(
            f"{tool_failed} tool test(s) or production journey step(s) failed (output above)"
        )
    passed += tool_passed
    bad += tool_failed
    if not (args.tags or args.modules):
        suites_passed, suites_bad, suites_problems = run_odoo_suites(env, addons_dirs, package_dir)
        passed, bad = passed + suites_passed, bad + suites_bad
        problems += suites_problems
    print(f"== {time.monotonic() - started:.0f}s, full log: {log_path}", flush=True)
    for problem in problems:
        print(f"FAILED: {problem}", flush=True)
    print(f"{passed} passed, {bad} failed", flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
