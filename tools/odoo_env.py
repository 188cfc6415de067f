# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared by the test and demo commands: find Odoo 18 and the system services it needs."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ODOO_MAJOR = 18
NO_ODOO_MESSAGE = f"""\
ERROR: no Odoo {ODOO_MAJOR} found, so nothing was tested (this is a failure, not a pass).
Provide Odoo {ODOO_MAJOR}.0 in one of two ways:
  * ODOO_PATH=/path/to/odoo (a source checkout:
      git clone --depth 1 -b {ODOO_MAJOR}.0 https://github.com/odoo/odoo /path/to/odoo
      pip install -r /path/to/odoo/requirements.txt), or
  * an installed Odoo {ODOO_MAJOR} that `python3 -c "import odoo"` can import.
"""


def fail(message, code=2):
    print(message, file=sys.stderr, flush=True)
    print("0 passed, 1 failed", flush=True)
    sys.exit(code)


def run(cmd, check=True, **kwargs):
    return subprocess.run(cmd, check=check, text=True, **kwargs)


def as_root(cmd):
    """Prefix ``cmd`` with sudo when we are not root (and sudo exists)."""
    if os.geteuid() == 0:
        return cmd
    if shutil.which("sudo"):
        return ["sudo", "-n", *cmd]
    return cmd


# --- Odoo -----------------------------------------------------------------------------------


def find_odoo():
    """Return ``(python_cmd_prefix, addons_dirs, version)`` for Odoo 18 or exit."""
    env_path = os.environ.get("ODOO_PATH")
    probe = (
        "import sys, os, odoo, odoo.release as r;"
        "print(r.version_info[0]); print(os.path.dirname(os.path.abspath(odoo.__file__)))"
    )
    env = dict(os.environ)
    if env_path:
        root = Path(env_path).expanduser().resolve()
        if not (root / "odoo" / "release.py").is_file():
            fail(
                f"ERROR: ODOO_PATH={env_path} is not an Odoo source checkout "
                f"(no odoo/release.py there).\n\n{NO_ODOO_MESSAGE}"
            )
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    result = run([sys.executable, "-c", probe], check=False, capture_output=True, env=env)
    if result.returncode != 0:
        fail(NO_ODOO_MESSAGE)
    major, package_dir = result.stdout.split()
    if int(major) != ODOO_MAJOR:
        fail(
            f"ERROR: found Odoo {major} at {package_dir}; these addons need Odoo {ODOO_MAJOR}.0."
            f"\n\n{NO_ODOO_MESSAGE}"
        )
    package_dir = Path(package_dir)
    addons_dirs = [package_dir / "addons"]
    community_addons = package_dir.parent / "addons"  # the source checkout's addons/ folder
    if (community_addons / "web" / "__manifest__.py").is_file():
        addons_dirs.insert(0, community_addons)
    return env, addons_dirs, package_dir


# --- System services ------------------------------------------------------------------------


def apt_install(packages):
    print(f"== installing {' '.join(packages)} from Debian's packages", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not getattr(apt_install, "updated", False):
        run(as_root(["apt-get", "update", "-qq"]), env=env)
        apt_install.updated = True
    run(as_root(["apt-get", "install", "-y", "-qq", *packages]), env=env, stdout=subprocess.DEVNULL)


def ensure_postgresql():
    """Install, start and give us a superuser role on a local PostgreSQL."""
    if not shutil.which("pg_lsclusters") or not list(
        Path("/usr/lib/postgresql").glob("*/bin/postgres")
    ):
        apt_install(["postgresql", "postgresql-client"])
    clusters = run(["pg_lsclusters", "--no-header"], capture_output=True).stdout.split("\n")
    clusters = [line.split() for line in clusters if line.strip()]
    if not clusters:
        fail("ERROR: PostgreSQL is installed but has no cluster (pg_lsclusters is empty).")
    version, name, _port, status = clusters[0][:4]
    if status != "online":
        print(f"== starting PostgreSQL {version}/{name}", flush=True)
        run(as_root(["pg_ctlcluster", version, name, "start"]))
    for _attempt in range(30):
        if run(["pg_isready", "-q"], check=False).returncode == 0:
            break
        time.sleep(1)
    else:
        fail("ERROR: PostgreSQL did not become ready within 30 seconds.")
    user = os.environ.get("PGUSER") or os.environ.get("USER") or "root"
    if user == "postgres":
        fail("ERROR: Odoo refuses to run as the 'postgres' role; run the tests as another user.")
    has_role = (
        run(
            ["psql", "-d", "postgres", "-tAc", "select 1"], check=False, capture_output=True
        ).returncode
        == 0
    )
    if not has_role:
        print(f"== creating PostgreSQL superuser role {user}", flush=True)
        create_role = ["createuser", "--superuser", user]
        if os.geteuid() == 0:
            run(["runuser", "-u", "postgres", "--", *create_role])
        else:
            run(["sudo", "-n", "-u", "postgres", *create_role])


def ensure_chromium():
    if not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")):
        apt_install(["chromium"])


def ensure_python_requirements():
    for name in ("requirements.txt", "requirements-test.txt"):
        path = REPO / name
        if path.is_file():
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    "--root-user-action=ignore",
                    "-r",
                    str(path),
                ],
                stdout=subprocess.DEVNULL,
            )


def repo_addons():
    return sorted(p.parent.name for p in REPO.glob("*/__manifest__.py"))
