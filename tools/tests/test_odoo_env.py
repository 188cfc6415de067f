# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tests of how the test and demo commands get Odoo: found, fetched, or refused.

Run by ``python3 tools/run_tests.py`` (counted in its result line), or alone with
``python3 -m unittest discover -s tools/tests -t tools``.
"""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import odoo_env


def git(cwd, *args):
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def git_output(cwd, *args):
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def make_fake_odoo_repository(path, major=18):
    """A local git repository shaped like Odoo's: branch 18.0, odoo/release.py, two commits."""
    (path / "odoo").mkdir(parents=True)
    (path / "odoo" / "__init__.py").write_text("")
    (path / "odoo" / "release.py").write_text(f"version_info = ({major}, 0, 0, 'final', 0, '')\n")
    (path / "requirements.txt").write_text("# nothing to install for the fake Odoo\n")
    git(path, "init", "-q", "-b", f"{major}.0")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "first")
    (path / "README.md").write_text("fake\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "second")


class TestDecide(unittest.TestCase):
    def test_found_first(self):
        found = (18, Path("/opt/odoo18/odoo"))
        self.assertEqual(odoo_env.decide(None, found, True, True), "found")
        self.assertEqual(odoo_env.decide("/x", found, True, True), "path")

    def test_fetch_or_reuse_when_none_is_found(self):
        self.assertEqual(odoo_env.decide(None, None, False, True), "fetch")
        self.assertEqual(odoo_env.decide(None, None, True, True), "cached")
        self.assertEqual(odoo_env.decide(None, None, True, False), "cached")

    def test_refuse(self):
        self.assertEqual(odoo_env.decide(None, None, False, False), "refuse")
        # Restarted in our environment and still no Odoo: stop instead of looping.
        self.assertEqual(odoo_env.decide(None, None, True, True, in_our_venv=True), "refuse")


class TestFindOdoo(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = Path(tmp.name)
        env = {"PAYLINK_CACHE_DIR": str(self.tmp / "cache")}
        patcher = mock.patch.dict(os.environ, env)
        patcher.start()
        self.addCleanup(patcher.stop)
        for var in ("ODOO_PATH", "ODOO_GIT_URL", odoo_env.IN_OUR_VENV):
            os.environ.pop(var, None)
        self.real_probe = odoo_env.probe_odoo

    def no_odoo_here(self):
        """This interpreter imports no Odoo (others, such as a fetched venv, still probe)."""

        def probe(python, env):
            if str(python) == sys.executable:
                return None
            return self.real_probe(python, env)

        return mock.patch.object(odoo_env, "probe_odoo", side_effect=probe)

    def find(self):
        """find_odoo(), with its output and exit code; a restart raises instead of exec."""
        out, err = io.StringIO(), io.StringIO()
        restart = mock.patch.object(odoo_env, "restart_in", side_effect=RuntimeError("restart"))
        with restart as restarted, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                result = odoo_env.find_odoo()
            except SystemExit as exit_:
                result = exit_
            except RuntimeError:
                result = "restarted"
        return result, out.getvalue(), err.getvalue(), restarted

    def test_found_odoo_is_used_and_nothing_is_cloned(self):
        os.environ["ODOO_GIT_URL"] = str(self.tmp / "nowhere")
        found = (18, self.tmp / "odoo")
        with (
            mock.patch.object(odoo_env, "probe_odoo", return_value=found),
            mock.patch.object(odoo_env, "clone_odoo", side_effect=AssertionError("cloned")),
        ):
            result, out, _err, restarted = self.find()
        self.assertEqual(result[2], self.tmp / "odoo")
        self.assertFalse(restarted.called)
        self.assertNotIn("fetching", out)

    def test_fetch_from_a_local_repository_then_reuse(self):
        source = self.tmp / "odoo-remote"
        make_fake_odoo_repository(source)
        os.environ["ODOO_GIT_URL"] = str(source)
        with self.no_odoo_here():
            result, out, err, restarted = self.find()
        self.assertEqual(result, "restarted", err)
        fetched = odoo_env.Fetched(self.tmp / "cache")
        self.assertEqual(restarted.call_args.args[0].root, fetched.root)
        for number in (1, 2, 3):
            self.assertIn(f"== [{number}/3]", out)
        self.assertIn(source.resolve().as_uri(), out)
        self.assertTrue(fetched.is_ready())
        self.assertEqual(git_output(fetched.source, "rev-list", "--count", "HEAD"), "1")  # shallow
        self.assertEqual(git_output(fetched.source, "rev-parse", "--abbrev-ref", "HEAD"), "18.0")
        # The fetched venv imports the fetched Odoo.
        major, package_dir = odoo_env.probe_odoo(fetched.python, dict(os.environ))
        self.assertEqual(major, 18)
        self.assertEqual(package_dir, (fetched.source / "odoo").resolve())

        # The next run reuses it, even with the remote gone.
        subprocess.run(["rm", "-rf", str(source)], check=True)
        with (
            self.no_odoo_here(),
            mock.patch.object(odoo_env, "clone_odoo", side_effect=AssertionError("cloned")),
        ):
            result, out, _err, restarted = self.find()
        self.assertEqual(result, "restarted")
        self.assertIn("fetched earlier", out)

    def test_refused_with_todays_message_when_nothing_can_be_fetched(self):
        os.environ["ODOO_GIT_URL"] = str(self.tmp / "no-such-repository")
        with self.no_odoo_here():
            result, _out, err, restarted = self.find()
        self.assertIsInstance(result, SystemExit)
        self.assertNotEqual(result.code, 0)
        self.assertIn("could not fetch Odoo 18.0: git clone", err)
        self.assertIn(odoo_env.NO_ODOO_MESSAGE, err)
        self.assertFalse(restarted.called)
        self.assertFalse(odoo_env.Fetched(self.tmp / "cache").source.exists())

        with self.no_odoo_here(), mock.patch.object(odoo_env.shutil, "which", return_value=None):
            result, _out, err, _restarted = self.find()
        self.assertIsInstance(result, SystemExit)
        self.assertTrue(err.startswith(odoo_env.NO_ODOO_MESSAGE))

    def test_wrong_branch_content_is_refused(self):
        source = self.tmp / "not-odoo"
        source.mkdir()
        (source / "x").write_text("x")
        git(source, "init", "-q", "-b", "18.0")
        git(source, "add", ".")
        git(source, "commit", "-q", "-m", "x")
        os.environ["ODOO_GIT_URL"] = str(source)
        with self.no_odoo_here():
            result, _out, err, _restarted = self.find()
        self.assertIsInstance(result, SystemExit)
        self.assertIn("is not an Odoo checkout", err)


if __name__ == "__main__":
    unittest.main()


class TestConstraints(unittest.TestCase):
    """tools/constraints.txt reaches a new environment and one made before it changed."""

    def test_the_pins_that_let_gevent_start(self):
        text = odoo_env.CONSTRAINTS.read_text()
        self.assertEqual(odoo_env.constrained_names(text), ["zope.interface", "zope.event"])
        self.assertIn('zope.interface<7; python_version < "3.12"', text)
        self.assertIn('zope.event<5; python_version < "3.12"', text)

    def test_stale_marker(self):
        digest = odoo_env.constraints_digest("zope.interface<7\n")
        fetched = odoo_env.Fetched("/cache")
        # A marker written before the constraints existed (the source path only): stale.
        self.assertTrue(odoo_env.constraints_stale("/cache/odoo-18.0\n", digest))
        # Written for other constraints: stale; for these: up to date.
        other = odoo_env.marker_text(fetched, odoo_env.constraints_digest("zope.event<5\n"))
        self.assertTrue(odoo_env.constraints_stale(other, digest))
        current = odoo_env.marker_text(fetched, digest)
        self.assertFalse(odoo_env.constraints_stale(current, digest))
        self.assertTrue(current.startswith("/cache/odoo-18.0\n"))

    def test_apply_once_per_change(self):
        with tempfile.TemporaryDirectory() as tmp:
            fetched = odoo_env.Fetched(tmp)
            fetched.venv.mkdir()
            fetched.ready_marker.write_text(f"{fetched.source}\n")  # made before the pins
            ok = subprocess.CompletedProcess([], 0, "", "")
            with (
                mock.patch.object(odoo_env, "pip", return_value=ok) as pip,
                contextlib.redirect_stdout(io.StringIO()),
            ):
                odoo_env.apply_constraints(fetched)
                odoo_env.apply_constraints(fetched)  # the second run: nothing to do
            pip.assert_called_once_with(
                fetched.python, "-c", str(odoo_env.CONSTRAINTS), "zope.interface", "zope.event"
            )
            digest = odoo_env.constraints_digest(odoo_env.CONSTRAINTS.read_text())
            self.assertFalse(odoo_env.constraints_stale(fetched.ready_marker.read_text(), digest))


class TestEntryPoint(unittest.TestCase):
    def test_odoo_bin_of_a_source_checkout(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "odoo").mkdir()
            (Path(tmp) / "odoo-bin").write_text("")
            self.assertEqual(
                odoo_env.odoo_entry(Path(tmp) / "odoo"),
                [sys.executable, str(Path(tmp) / "odoo-bin")],
            )
