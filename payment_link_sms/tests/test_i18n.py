# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

LANGUAGES = ("fr", "nb", "es")


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    """Every user-facing string of our addons is in the shipped template and translated in
    French, Norwegian and Spanish (a string added without its translations fails here)."""

    def _our_installed_modules(self):
        repository = os.path.dirname(get_module_path("payment_link_sms"))
        modules = self.env["ir.module.module"].search(
            [("state", "=", "installed"), ("name", "=like", "payment_link_sms%")]
        )
        return [
            module.name
            for module in modules
            if os.path.dirname(get_module_path(module.name)) == repository
        ]

    def _exported(self, module):
        reader = TranslationModuleReader(self.env.cr, modules=[module])
        return {source for origin, _t, _n, _r, source, _v, _c in reader if origin == module}

    def test_template_holds_every_string_and_each_language_translates_it(self):
        problems = []
        for module in self._our_installed_modules():
            exported = self._exported(module)
            if not exported:
                continue
            i18n = os.path.join(get_module_path(module), "i18n")
            pot_path = os.path.join(i18n, f"{module}.pot")
            if not os.path.isfile(pot_path):
                problems.append(f"{module}: no i18n/{module}.pot")
                continue
            shipped = {entry.msgid for entry in polib.pofile(pot_path) if not entry.obsolete}
            problems += [f"{module}.pot lacks: {msgid!r}" for msgid in sorted(exported - shipped)]
            for lang in LANGUAGES:
                po_path = os.path.join(i18n, f"{lang}.po")
                if not os.path.isfile(po_path):
                    problems.append(f"{module}: no i18n/{lang}.po")
                    continue
                translated = {
                    entry.msgid
                    for entry in polib.pofile(po_path)
                    if not entry.obsolete and entry.msgstr and "fuzzy" not in entry.flags
                }
                problems += [
                    f"{module} {lang}.po does not translate: {msgid!r}"
                    for msgid in sorted(exported - translated)
                ]
        self.assertFalse(problems, "\n" + "\n".join(problems))
