# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The repository's layout keeps the rules of issue 21 (one concern per addon).

Plain file reading, no Odoo: it takes a second.

* the engine (``payment_link_sms``) names no model of the addons split from it (cards,
  desk requests, webhooks): it reaches them through hooks they override;
* the addons of a concern are installed with the engine (``auto_install``, depending on it)
  and never depend on one another, so each can be uninstalled alone;
* one file per model an addon defines or extends, none over 900 lines;
* no ``_name == "..."`` switch on a document type (the contract's hooks say it);
* a test module imports fixtures from ``common.py`` files only, never from another test module;
* the README stays a front page (at most 200 lines).
"""

import ast
import re
import unittest
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENGINE = "payment_link_sms"
CONCERNS = {
    "payment_link_sms_card": ("payment.consent", "payment.card.request"),
    "payment_link_sms_desk": ("payment.request", "payment.link.queue"),
    "payment_link_sms_webhook": ("payment.link.webhook",),
}
SOURCES = ("*.py", "*.xml", "*.csv", "*.js")


def addons():
    return sorted(path.parent for path in REPO.glob("*/__manifest__.py"))


def manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text())


def sources(addon, patterns=SOURCES, tests=False):
    for pattern in patterns:
        for path in sorted(addon.rglob(pattern)):
            parts = path.relative_to(addon).parts
            # A migration names what it moves; tests are checked on their own.
            if "migrations" not in parts and (tests or "tests" not in parts):
                yield path


def model_targets(tree):
    """``(class name, model name)`` of each model class: its ``_name``, else its ``_inherit``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        values = {}
        for stmt in node.body:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
                continue
            target = stmt.targets[0]
            if (
                isinstance(target, ast.Name)
                and target.id in ("_name", "_inherit")
                and isinstance(stmt.value, ast.Constant)
            ):
                values[target.id] = stmt.value.value
        name = values.get("_name") or values.get("_inherit")
        if isinstance(name, str):
            yield node.name, name


class TestLayout(unittest.TestCase):
    def test_engine_names_no_model_of_a_split_concern(self):
        found = []
        for path in sources(REPO / ENGINE):
            text = path.read_text(errors="replace")
            for addon, models in CONCERNS.items():
                for model in models:
                    dotted, snake = re.escape(model), re.escape(model.replace(".", "_"))
                    pattern = rf"""["'/ ]{dotted}["'\s,)]|{snake}\b"""
                    for match in re.finditer(pattern, text):
                        line = text.count("\n", 0, match.start()) + 1
                        found.append(f"{path.relative_to(REPO)}:{line}: {model} ({addon})")
                if f"{addon}." in text:
                    found.append(f"{path.relative_to(REPO)}: mentions {addon}")
        self.assertFalse(found, "the engine names a split concern:\n" + "\n".join(found[:40]))

    def test_split_addons_come_with_the_engine_and_stand_alone(self):
        for name in CONCERNS:
            addon = REPO / name
            self.assertTrue(addon.is_dir(), f"{name} is missing")
            data = manifest(addon)
            self.assertIs(data.get("auto_install"), True, f"{name} is not auto-installed")
            self.assertIn(ENGINE, data["depends"], name)
            self.assertFalse(
                set(data["depends"]) & set(CONCERNS), f"{name} depends on another concern"
            )
            for needed in ("security/ir.model.access.csv", "readme/DESCRIPTION.md", "tests"):
                self.assertTrue((addon / needed).exists(), f"{name} has no {needed}")

    def test_one_file_per_model_none_over_900_lines(self):
        problems = []
        for addon in addons():
            files = defaultdict(set)
            for path in sources(addon, ("*.py",)):
                if path.parent.name not in ("models", "wizards"):
                    continue
                lines = path.read_text().count("\n")
                if lines > 900:
                    problems.append(f"{path.relative_to(REPO)}: {lines} lines")
                for _class, model in model_targets(ast.parse(path.read_text())):
                    files[model].add(str(path.relative_to(REPO)))
            problems += [
                f"{addon.name}: {model} in {sorted(paths)}"
                for model, paths in files.items()
                if len(paths) > 1
            ]
        self.assertFalse(problems, "\n".join(problems))

    def test_no_switch_on_a_model_name(self):
        found = [
            f"{path.relative_to(REPO)}:{number}"
            for addon in addons()
            for path in sources(addon, ("*.py",))
            for number, line in enumerate(path.read_text().splitlines(), 1)
            if re.search(r"""\._name\s*(==|!=|in)\s*["'(\[]""", line)
        ]
        self.assertFalse(found, "switches on _name (use a hook):\n" + "\n".join(found))

    def test_test_modules_import_only_fixtures(self):
        found = []
        for addon in addons():
            for path in sorted((addon / "tests").glob("*.py")):
                tree = ast.parse(path.read_text())
                for node in ast.walk(tree):
                    if isinstance(node, ast.ImportFrom) and node.module:
                        last = node.module.rsplit(".", 1)[-1]
                        if last.startswith("test_") and (
                            node.level or ".tests." in f".{node.module}"
                        ):
                            found.append(f"{path.relative_to(REPO)}: from {node.module}")
        self.assertFalse(found, "test modules importing test modules:\n" + "\n".join(found))

    def test_readme_is_a_front_page(self):
        lines = (REPO / "README.md").read_text().count("\n")
        self.assertLessEqual(lines, 200, f"README.md has {lines} lines")


if __name__ == "__main__":
    unittest.main()
