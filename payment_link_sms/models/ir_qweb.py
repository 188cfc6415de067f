# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.http import request

from .. import const


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _get_asset_nodes(
        self, bundle, css=True, js=True, debug=False, defer_load=False, lazy_load=False, media=None
    ):
        """On the customer's pages (/pay/...), the script tags of the asset bundles without
        Odoo's inline ``onerror`` handler: the pages' Content-Security-Policy refuses inline
        handlers (a console error on every page), and nothing on these pages reads the flag it
        sets."""
        nodes = super()._get_asset_nodes(
            bundle,
            css=css,
            js=js,
            debug=debug,
            defer_load=defer_load,
            lazy_load=lazy_load,
            media=media,
        )
        httprequest = request and request.httprequest
        if not httprequest or not httprequest.path.startswith(const.ROUTE_PREFIX):
            return nodes
        # Copies: the nodes come from Odoo's cache, shared with every other page.
        return [
            (tag, {name: value for name, value in attrs.items() if name != "onerror"})
            if tag == "script" and "onerror" in attrs
            else (tag, attrs)
            for tag, attrs in nodes
        ]
