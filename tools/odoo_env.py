# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared by the test and demo commands: find Odoo 18 and the system services it needs."""

import hashlib
import os
import re
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


ODOO_BRANCH = f"{ODOO_MAJOR}.0"
DEFAULT_ODOO_GIT_URL = "https://github.com/odoo/odoo"
PROBE = (
    "import sys, os, odoo, odoo.release as r;"
    "print(r.version_info[0]); print(os.path.dirname(os.path.abspath(odoo.__file__)))"
)
# Set in the environment of a command re-started in the virtual environment we made.
IN_OUR_VENV = "PAYLINK_ODOO_VENV"
# Pins applied with `pip -c` to that environment (see the file); its hash is kept in the ready
# marker, so an environment made before a change of the file gets the new pins on the next run.
CONSTRAINTS = REPO / "tools" / "constraints.txt"
CONSTRAINTS_MARK = "constraints sha256 "


def cache_dir():
    """Where a fetched Odoo and its virtual environment live: outside the repository, shared
    by every checkout of it (``PAYLINK_CACHE_DIR`` overrides it)."""
    base = os.environ.get("PAYLINK_CACHE_DIR")
    if base:
        return Path(base).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg).expanduser() / "payment_link_sms"


class Fetched:
    """The paths of an Odoo fetched into ``root``."""

    def __init__(self, root):
        self.root = Path(root)
        self.source = self.root / f"odoo-{ODOO_BRANCH}"
        self.venv = self.root / "venv"
        self.python = self.venv / "bin" / "python"
        self.ready_marker = self.venv / ".payment_link_sms-ready"

    def is_ready(self):
        return (
            self.ready_marker.is_file()
            and self.python.is_file()
            and (self.source / "odoo" / "release.py").is_file()
        )


def constraints_digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def constrained_names(text):
    """The distributions that ``text`` (a constraints file) pins, in order."""
    names = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        name = re.split(r"[<>=!~ \[]", line, maxsplit=1)[0] if line else ""
        if name and name not in names:
            names.append(name)
    return names


def constraints_stale(marker_text, digest):
    """Whether the environment whose ready marker reads ``marker_text`` still needs the
    constraints whose hash is ``digest`` (pure, tested): a marker written before the
    constraints existed, or for other ones, is stale."""
    for line in marker_text.splitlines():
        if line.startswith(CONSTRAINTS_MARK):
            return line[len(CONSTRAINTS_MARK) :].strip() != digest
    return True


def marker_text(fetched, digest):
    return f"{fetched.source}\n{CONSTRAINTS_MARK}{digest}\n"


def apply_constraints(fetched):
    """Bring an environment made earlier to the current constraints (once per change of the
    file): only the pinned distributions are (re)installed, within the pins."""
    text = CONSTRAINTS.read_text()
    digest = constraints_digest(text)
    if not constraints_stale(fetched.ready_marker.read_text(), digest):
        return
    names = constrained_names(text)
    print(
        f"== applying {CONSTRAINTS.relative_to(REPO)} to {fetched.venv}: {', '.join(names)}",
        flush=True,
    )
    result = pip(fetched.python, "-c", str(CONSTRAINTS), *names)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        fail(f"ERROR: pip could not apply {CONSTRAINTS}: {lines[-1] if lines else ''}")
    fetched.ready_marker.write_text(marker_text(fetched, digest))


def probe_odoo(python, env):
    """Return ``(major, package_dir)`` of the Odoo that ``python`` imports, or None."""
    result = run([str(python), "-c", PROBE], check=False, capture_output=True, env=env)
    if result.returncode != 0:
        return None
    major, package_dir = result.stdout.split()[:2]
    return int(major), Path(package_dir)


def decide(env_path, found, fetched_ready, git_available, in_our_venv=False):
    """What to do to get Odoo (pure, tested): ``"path"`` use ``ODOO_PATH``; ``"found"`` the
    importable Odoo; ``"cached"`` the Odoo fetched by an earlier run; ``"fetch"`` fetch it
    now; ``"refuse"`` stop with the message saying how to provide Odoo."""
    if env_path:
        return "path"
    if found:
        return "found"
    if in_our_venv:  # our own environment and still no Odoo: do not loop
        return "refuse"
    if fetched_ready:
        return "cached"
    if git_available:
        return "fetch"
    return "refuse"


def step(number, total, text):
    print(f"== [{number}/{total}] {text}", flush=True)


def git_url():
    url = os.environ.get("ODOO_GIT_URL") or DEFAULT_ODOO_GIT_URL
    path = Path(url).expanduser()
    if "://" not in url and path.is_dir():
        url = path.resolve().as_uri()  # file://: git clones a local folder shallowly only so
    return url


def clone_odoo(fetched, url):
    """Shallow clone of Odoo's 18.0 branch from ``url`` into ``fetched.source``."""
    partial = fetched.source.with_name(fetched.source.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    fetched.root.mkdir(parents=True, exist_ok=True)
    result = run(
        [
            "git",
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--branch",
            ODOO_BRANCH,
            "--single-branch",
            url,
            str(partial),
        ],
        check=False,
        capture_output=True,
    )
    if result.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise FetchError(f"git clone of {url} failed: {lines[-1] if lines else result.returncode}")
    if not (partial / "odoo" / "release.py").is_file():
        shutil.rmtree(partial, ignore_errors=True)
        raise FetchError(f"{url} branch {ODOO_BRANCH} is not an Odoo checkout (no odoo/release.py)")
    shutil.rmtree(fetched.source, ignore_errors=True)
    partial.rename(fetched.source)


class FetchError(Exception):
    pass


def pip(python, *args):
    return run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        check=False,
        capture_output=True,
    )


def install_odoo_requirements(fetched):
    """Odoo's requirements as they install on this Python: all at once, else one by one
    (a package that cannot be built here, such as python-ldap without its headers, is skipped
    and named; psycopg2 falls back to its binary wheel)."""
    requirements = fetched.source / "requirements.txt"
    pins = ("-c", str(CONSTRAINTS))
    if (
        not requirements.is_file()
        or pip(fetched.python, *pins, "-r", str(requirements)).returncode == 0
    ):
        return []
    skipped = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or pip(fetched.python, *pins, line).returncode == 0:
            continue
        name = line.split(";")[0].split("=")[0].split("<")[0].split(">")[0].strip()
        if name == "psycopg2" and pip(fetched.python, "psycopg2-binary").returncode == 0:
            continue
        skipped.append(name)
    return skipped


def fetch_odoo(fetched, url):
    """Clone Odoo, make its virtual environment, install its requirements; reused next time."""
    total = 3
    step(1, total, f"cloning Odoo {ODOO_BRANCH} from {url} into {fetched.source} (shallow)")
    clone_odoo(fetched, url)
    step(2, total, f"creating a virtual environment in {fetched.venv}")
    shutil.rmtree(fetched.venv, ignore_errors=True)
    result = run(
        [sys.executable, "-m", "venv", str(fetched.venv)], check=False, capture_output=True
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise FetchError(
            "python3 -m venv failed (on Debian: apt-get install python3-venv): "
            + (lines[-1] if lines else str(result.returncode))
        )
    site = run(
        [str(fetched.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
    ).stdout.strip()
    Path(site, "odoo-source.pth").write_text(f"{fetched.source}\n")
    step(3, total, f"installing Odoo's requirements into {fetched.venv} (a few minutes)")
    skipped = install_odoo_requirements(fetched)
    if skipped:
        print(f"   skipped (cannot be installed on this Python): {', '.join(skipped)}", flush=True)
    found = probe_odoo(fetched.python, dict(os.environ))
    if not found or found[0] != ODOO_MAJOR:
        raise FetchError(f"Odoo {ODOO_MAJOR} does not import in {fetched.venv}")
    fetched.ready_marker.write_text(
        marker_text(fetched, constraints_digest(CONSTRAINTS.read_text()))
    )
    print(f"== Odoo {ODOO_BRANCH} ready in {fetched.root} (reused on the next run)", flush=True)


def restart_in(fetched):
    """Run this same command again with the fetched Odoo's Python (it never returns)."""
    env = dict(os.environ, **{IN_OUR_VENV: "1"})
    os.execve(str(fetched.python), [str(fetched.python), *sys.argv], env)


def find_odoo():
    """Return ``(env, addons_dirs, package_dir)`` for Odoo 18, fetching it when none is found
    (``ODOO_PATH`` first, then the importable ``odoo``, then one fetched earlier), or exit."""
    env_path = os.environ.get("ODOO_PATH")
    env = dict(os.environ)
    if env_path:
        root = Path(env_path).expanduser().resolve()
        if not (root / "odoo" / "release.py").is_file():
            fail(
                f"ERROR: ODOO_PATH={env_path} is not an Odoo source checkout "
                f"(no odoo/release.py there).\n\n{NO_ODOO_MESSAGE}"
            )
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    found = probe_odoo(sys.executable, env)
    fetched = Fetched(cache_dir())
    action = decide(
        env_path,
        found,
        fetched.is_ready(),
        bool(shutil.which("git")),
        in_our_venv=bool(os.environ.get(IN_OUR_VENV)),
    )
    if action == "cached":
        print(f"== using Odoo {ODOO_BRANCH} fetched earlier into {fetched.root}", flush=True)
        apply_constraints(fetched)
        restart_in(fetched)
    if (
        action == "found"
        and fetched.is_ready()
        and Path(sys.prefix).resolve() == fetched.venv.resolve()
    ):
        apply_constraints(fetched)  # started with the environment's own python
    if action == "fetch":
        print(f"== no Odoo {ODOO_MAJOR} found: fetching it (once)", flush=True)
        try:
            fetch_odoo(fetched, git_url())
        except FetchError as error:
            fail(f"ERROR: could not fetch Odoo {ODOO_BRANCH}: {error}\n\n{NO_ODOO_MESSAGE}")
        restart_in(fetched)
    if not found:
        fail(NO_ODOO_MESSAGE)
    major, package_dir = found
    if major != ODOO_MAJOR:
        fail(
            f"ERROR: found Odoo {major} at {package_dir}; these addons need Odoo {ODOO_MAJOR}.0."
            f"\n\n{NO_ODOO_MESSAGE}"
        )
    # Odoo's reload (SIGHUP, a limit reached) re-executes its command line with the bare name
    # of this Python: this environment's bin must come first on the PATH Odoo inherits.
    env["PATH"] = os.pathsep.join(filter(None, [str(Path(sys.executable).parent), env.get("PATH")]))
    addons_dirs = [package_dir / "addons"]
    community_addons = package_dir.parent / "addons"  # the source checkout's addons/ folder
    if (community_addons / "web" / "__manifest__.py").is_file():
        addons_dirs.insert(0, community_addons)
    return env, addons_dirs, package_dir


def odoo_entry(package_dir):
    """The command that starts Odoo through its own entry point: ``odoo-bin`` of a source
    checkout, else the ``odoo`` script of an installed Odoo. Not ``python -m odoo``: Odoo
    re-executes ``sys.argv`` on a reload and starts its websocket (gevent) process with
    ``sys.argv[0]``, which must be that script."""
    candidates = [
        Path(package_dir).parent / "odoo-bin",
        Path(sys.executable).parent / "odoo",
        Path(shutil.which("odoo") or "/nonexistent"),
    ]
    for script in candidates:
        if script.is_file():
            return [sys.executable, str(script)]
    fail(
        f"ERROR: Odoo at {package_dir} has no odoo-bin beside it and no `odoo` script is installed."
    )


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


def ensure_wkhtmltopdf():
    """Odoo prints PDFs with wkhtmltopdf: Debian's package where the machine can install it.
    Without it Odoo still runs, and the pay page's receipt says no PDF is available."""
    if shutil.which("wkhtmltopdf"):
        return True
    if shutil.which("apt-get"):
        try:
            apt_install(["wkhtmltopdf"])
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"   wkhtmltopdf could not be installed ({error})", flush=True)
    if shutil.which("wkhtmltopdf"):
        return True
    print("== no wkhtmltopdf: Odoo makes no PDF (the receipt offers none)", flush=True)
    return False


def ensure_python_requirements(names=("requirements.txt", "requirements-test.txt")):
    """Our requirements, into the python running Odoo, within tools/constraints.txt (a
    requirement pulling zope.interface 8 back in would stop the websocket process again)."""
    for name in names:
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
                    "-c",
                    str(CONSTRAINTS),
                    "-r",
                    str(path),
                ],
                stdout=subprocess.DEVNULL,
            )


def repo_addons():
    return sorted(p.parent.name for p in REPO.glob("*/__manifest__.py"))
