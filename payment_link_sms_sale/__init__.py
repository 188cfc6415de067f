# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import models
from . import wizards


def uninstall_hook(env):
    """Hide the Sales app again, unless sale_management (which shows it too) is installed."""
    installed = env["ir.module.module"].search_count(
        [("name", "=", "sale_management"), ("state", "=", "installed")]
    )
    menu = env.ref("sale.sale_menu_root", raise_if_not_found=False)
    if menu and not installed:
        menu.active = False
