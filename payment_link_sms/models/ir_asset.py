# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.modules.module import _get_manifest_cached

from ..const import PAY_PAGE_BUNDLE


class IrAsset(models.Model):
    _inherit = "ir.asset"

    def _fill_asset_paths(self, bundle, asset_paths, seen, addons, installed, **assets_params):
        """The pay pages' bundle also holds what every installed payment provider module adds
        to Odoo's frontend bundle (its inline form, its styles): a provider installed later
        works on the pay page without any change here."""
        super()._fill_asset_paths(bundle, asset_paths, seen, addons, installed, **assets_params)
        if bundle != PAY_PAGE_BUNDLE:
            return
        start = len(asset_paths.list)
        for addon in addons:
            if not addon.startswith("payment_") or addon.startswith("payment_link_sms"):
                continue
            for command in _get_manifest_cached(addon)["assets"].get("web.assets_frontend", ()):
                directive, target, path_def = self._process_command(command)
                self._process_path(
                    bundle,
                    directive,
                    target,
                    path_def,
                    asset_paths,
                    seen,
                    addons,
                    installed,
                    start,
                    **assets_params,
                )
