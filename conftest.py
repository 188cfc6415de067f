# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pytest-odoo settings of this repository (see pytest.ini and CONTRIBUTING.md)."""

import os

import pytest

ROOT = os.path.dirname(os.path.abspath(__file__))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_cmdline_main(config):
    """Put this repository in Odoo's addons path, before pytest-odoo reads its options."""
    option = config.option
    if hasattr(option, "odoo_addons_path") and not option.odoo_addons_path:
        import odoo

        odoo_root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
        option.odoo_addons_path = ",".join(
            [ROOT, os.path.join(odoo_root, "addons"), os.path.join(odoo_root, "odoo", "addons")]
        )
    yield
