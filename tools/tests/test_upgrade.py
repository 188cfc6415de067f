# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A database of version 18.0.1.0.0 (one addon) upgrades to the split addons (issue 21).

Until 18.0.1.0.0 the whole product was the one addon ``payment_link_sms``; 18.0.2.0.0 moved
cards, desk requests and webhooks into their own addons, auto-installed with it. The XML ids
that moved keep working for existing databases through the engine's migration
(``payment_link_sms/migrations/18.0.2.0.0``). This test proves it on a real database:

1. the addon as it was at ``BASE`` (the last one-addon commit, taken from this repository's
   history with ``git archive``) is installed;
2. an administrator's data is added on it: a user in each of the addon's groups, an edited
   subject on each of its mail templates (``noupdate`` records);
3. ``odoo -u payment_link_sms`` runs with this checkout's addons;
4. then: the new addons are installed, every XML id the addon had still exists (in the engine
   or in the addon it moved to) and points to the same record, the users are still in the
   same groups, the edited templates kept their subject, and the upgrade logged no ERROR.

It takes a few minutes (two module loads); ``python3 tools/run_tests.py`` runs it on full runs.
"""

import os
import subprocess
import sys
import tarfile
import tempfile
import unittest
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import odoo_env

REPO = Path(__file__).resolve().parents[2]
# The last commit where the product was one addon (version 18.0.1.0.0).
BASE = "fea5abcaa0add76e5e3edb83b9e1f2884f156bc4"
OLD_ADDONS = ["payment_link_sms"]

SCRIPT_HEAD = """
import json, sys, odoo
from odoo.tools import config
config.parse_config(sys.argv[1:])
registry = odoo.modules.registry.Registry.new(config['db_name'])
"""

SEED = (
    SCRIPT_HEAD
    + """
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    rows = env['ir.model.data'].search([('module', '=', 'payment_link_sms')])
    xmlids = {row.name: [row.model, row.res_id] for row in rows}
    groups = env['res.groups'].browse(
        [row.res_id for row in rows if row.model == 'res.groups'])
    user = env['res.users'].create({
        'name': 'Upgrade Tester', 'login': 'upgrade_tester',
        'groups_id': [(6, 0, (groups | env.ref('base.group_user')).ids)],
    })
    templates = env['mail.template'].browse(
        [row.res_id for row in rows if row.model == 'mail.template'])
    for template in templates:
        template.subject = (template.subject or '') + ' [edited]'
    print('SEED=' + json.dumps({
        'xmlids': xmlids, 'user': user.id, 'groups': sorted(groups.ids),
        'templates': {t.id: t.subject for t in templates},
    }))
"""
)

CHECK = (
    SCRIPT_HEAD
    + """
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    ours = env['ir.module.module'].search([('name', '=like', 'payment_link_sms%')]).mapped('name')
    rows = env['ir.model.data'].search([('module', 'in', ours)])
    user = env['res.users'].search([('login', '=', 'upgrade_tester')])
    print('CHECK=' + json.dumps({
        'modules': {m.name: [m.state, m.latest_version] for m in env['ir.module.module'].search(
            [('name', '=like', 'payment_link_sms%')])},
        'xmlids': {row.name: [row.module, row.model, row.res_id] for row in rows},
        'user_groups': user.groups_id.ids,
        'templates': {t.id: t.subject for t in env['mail.template'].search([])},
    }))
"""
)


def odoo_found():
    found = odoo_env.probe_odoo(sys.executable, dict(os.environ))
    return bool(found) and found[0] == odoo_env.ODOO_MAJOR


@unittest.skipUnless(odoo_found(), "no Odoo 18 importable by this python")
class TestUpgradeFromOneAddon(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env, cls.addons_dirs, cls.package_dir = odoo_env.find_odoo()
        cls.tmp = tempfile.TemporaryDirectory(prefix="plsms_upgrade_")
        cls.old = Path(cls.tmp.name) / "old"
        cls.old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", BASE, *OLD_ADDONS],
            capture_output=True,
            check=False,
        )
        if archive.returncode:
            raise AssertionError(
                f"commit {BASE} is not in this clone's history (a shallow clone?): "
                f"{archive.stderr.decode()[-500:]}"
            )
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(cls.old, filter="data")
        cls.database = f"plsms_upgrade_{os.getpid()}"
        cls.data_dir = Path(cls.tmp.name) / "data"
        cls.log_dir = Path(tempfile.gettempdir())

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["dropdb", "--if-exists", cls.database], env=cls.env, check=False)
        cls.tmp.cleanup()

    def odoo(self, addons_first, *args, log_name):
        addons_path = ",".join([str(addons_first), *map(str, self.addons_dirs)])
        log_path = self.log_dir / f"{self.database}.{log_name}.log"
        cmd = [
            *odoo_env.odoo_entry(self.package_dir),
            f"--addons-path={addons_path}",
            f"--database={self.database}",
            f"--data-dir={self.data_dir}",
            "--max-cron-threads=0",
            "--without-demo=all",
            "--stop-after-init",
            f"--logfile={log_path}",
            *args,
        ]
        result = subprocess.run(cmd, env=self.env, check=False, timeout=1800)
        log = log_path.read_text()
        self.assertEqual(result.returncode, 0, f"odoo {' '.join(args)} failed; log: {log_path}")
        errors = [line for line in log.splitlines() if " ERROR " in line or " CRITICAL " in line]
        self.assertFalse(
            errors, f"odoo {' '.join(args)} logged errors ({log_path}):\n" + "\n".join(errors[:20])
        )
        return log

    def script(self, addons_first, script, marker):
        import json

        addons_path = ",".join([str(addons_first), *map(str, self.addons_dirs)])
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                script,
                f"--addons-path={addons_path}",
                f"--database={self.database}",
                f"--data-dir={self.data_dir}",
                "--log-level=warn",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        line = next(
            (line for line in result.stdout.splitlines() if line.startswith(marker + "=")), None
        )
        self.assertTrue(line, f"no {marker} in the script's output: {result.stdout[-2000:]}")
        return json.loads(line[len(marker) + 1 :])

    def test_upgrade_keeps_every_record(self):
        subprocess.run(["dropdb", "--if-exists", self.database], env=self.env, check=False)
        self.odoo(self.old, "-i", "payment_link_sms", log_name="install-old")
        before = self.script(self.old, SEED, "SEED")
        self.assertGreater(len(before["xmlids"]), 100)
        self.assertTrue(before["groups"] and before["templates"])

        log = self.odoo(REPO, "-u", "payment_link_sms", log_name="upgrade")
        after = self.script(REPO, CHECK, "CHECK")

        # The new addons came with the upgrade, installed.
        split = {"payment_link_sms_card", "payment_link_sms_desk", "payment_link_sms_webhook"}
        for name in sorted(split):
            self.assertEqual(after["modules"].get(name, ["absent"])[0], "installed", name)
        self.assertEqual(after["modules"]["payment_link_sms"][0], "installed")
        self.assertIn("XML ids moved to payment_link_sms_card", log)

        # Every XML id of the old addon still exists, in the engine or the addon it moved to,
        # naming the same record.
        lost, changed, moved = [], [], {}
        for name, (model, res_id) in before["xmlids"].items():
            now = after["xmlids"].get(name)
            if not now:
                lost.append(name)
            elif (now[1], now[2]) != (model, res_id):
                changed.append(f"{name}: {model},{res_id} -> {now[1]},{now[2]}")
            else:
                moved.setdefault(now[0], 0)
                moved[now[0]] += 1
        self.assertFalse(lost, f"XML ids lost by the upgrade: {sorted(lost)[:40]}")
        self.assertFalse(changed, f"XML ids pointing elsewhere: {changed[:20]}")
        for name in sorted(split):
            self.assertTrue(moved.get(name), f"nothing moved to {name}: {moved}")

        # The administrator's data: group memberships and edited (noupdate) templates kept.
        self.assertLessEqual(set(before["groups"]), set(after["user_groups"]))
        for template_id, subject in before["templates"].items():
            self.assertEqual(after["templates"].get(template_id), subject, template_id)


if __name__ == "__main__":
    unittest.main()
