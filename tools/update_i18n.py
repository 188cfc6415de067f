#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Refresh the translation files of this repository's addons from a database where they are
installed: export each addon's ``i18n/<addon>.pot`` with Odoo's own exporter, merge it into
``fr.po``, ``nb.po`` and ``es.po`` (gettext's ``msgmerge``), and list what is left to translate.

Usage (from the repository root)::

    python3 tools/run_tests.py --keep-db --db plsms_i18n --no-uninstall \
        --tags /payment_link_sms:TestTranslations     # a database with every addon installed
    python3 tools/update_i18n.py --db plsms_i18n        # then translate what it lists

``payment_link_sms``'s test ``TestTranslations`` fails while a string is missing from a template
or untranslated in one of the languages.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from odoo_env import REPO, find_odoo, repo_addons

LANGUAGES = ("fr", "nb", "es")


def export_pot(database, addons_path, module, target):
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        f"--addons-path={addons_path}",
        f"--database={database}",
        f"--i18n-export={target}",
        f"--modules={module}",
        "--log-level=warn",
        "--stop-after-init",
    ]
    subprocess.run(cmd, check=True, cwd=REPO)


def untranslated(po_path):
    return [
        entry.msgid
        for entry in polib.pofile(str(po_path))
        if not entry.obsolete and (not entry.msgstr or "fuzzy" in entry.flags)
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a database with the addons installed")
    parser.add_argument("--modules", help="comma-separated addons (default: every one here)")
    args = parser.parse_args()
    _env, addons_dirs, _package = find_odoo()  # from here on, in Odoo's environment
    global polib
    import polib

    addons_path = ",".join([str(REPO), *map(str, addons_dirs)])
    left = 0
    # Every addon's translations as they were before this run, as a compendium: a string that
    # moved from one addon to another keeps its translation (whichever addon is merged first).
    snapshot = Path(tempfile.mkdtemp(prefix="plsms_i18n_"))
    for lang in LANGUAGES:
        for index, po in enumerate(sorted(REPO.glob(f"*/i18n/{lang}.po"))):
            shutil.copy(po, snapshot / f"{lang}.{index}.po")
    for module in args.modules.split(",") if args.modules else repo_addons():
        i18n = REPO / module / "i18n"
        with tempfile.TemporaryDirectory() as tmp:
            pot = Path(tmp) / f"{module}.pot"
            export_pot(args.db, addons_path, module, pot)
            if not pot.is_file() or not len(polib.pofile(str(pot))):
                print(f"{module}: nothing to translate")
                continue
            i18n.mkdir(exist_ok=True)
            shutil.copy(pot, i18n / f"{module}.pot")
        for lang in LANGUAGES:
            po = i18n / f"{lang}.po"
            compendia = [f"--compendium={other}" for other in sorted(snapshot.glob(f"{lang}.*.po"))]
            if not po.is_file():
                subprocess.run(
                    [
                        "msginit",
                        "--no-translator",
                        "-l",
                        lang,
                        "-i",
                        str(i18n / f"{module}.pot"),
                        "-o",
                        str(po),
                    ],
                    check=True,
                )
            subprocess.run(
                [
                    "msgmerge",
                    "--quiet",
                    "--no-fuzzy-matching",
                    "--update",
                    "--backup=none",
                    *compendia,
                    str(po),
                    str(i18n / f"{module}.pot"),
                ],
                check=True,
            )
            subprocess.run(["msgattrib", "--no-obsolete", "-o", str(po), str(po)], check=True)
            polib.pofile(str(po), wrapwidth=78).save(str(po))  # Odoo's exporter's layout
            missing = untranslated(po)
            left += len(missing)
            for msgid in missing:
                print(f"{module} {lang}: {msgid!r}")
    print(f"{left} entries left to translate")


if __name__ == "__main__":
    main()
