# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import io
import os
import re
from pathlib import Path

from PIL import Image

from odoo.modules.module import _get_manifest_cached
from odoo.tests import HttpCase, tagged

from .. import const
from .common import PayPageCommon

# The ES module imports of a script ("import x from '@addon/path'", "export * from './x'").
IMPORT_RE = re.compile(
    r"""^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"](?P<spec>[^'"]+)['"]""", re.MULTILINE
)
# Scripts of the bundle that are not Odoo modules, or modules not named after their path.
NAMED_MODULES = {"@odoo/owl"}


def _module_name(url):
    """The Odoo module name of a bundle's script: /web/static/src/core/x.js is @web/core/x."""
    addon, _static, _src, *rest = url.strip("/").split("/")
    name = "/".join(rest).removesuffix(".js")
    return f"@{addon}/{name.removesuffix('/index')}"


@tagged("post_install", "-at_install")
class TestPayPageBundle(HttpCase):
    """The pay pages' lean bundle holds what every installed payment provider needs."""

    def _paths(self, bundle):
        return [path for path, *_rest in self.env["ir.asset"]._get_asset_paths(bundle, {})]

    def _provider_frontend_assets(self):
        """What the installed payment modules (payment and every payment_* provider) add to
        Odoo's frontend bundle, from their manifests: a new provider module adds to it."""
        installed = self.env["ir.module.module"].search(
            [("state", "=", "installed"), ("name", "=like", "payment%")]
        )
        modules = {
            module.name
            for module in installed
            if (module.name == "payment" or module.name.startswith("payment_"))
            and not module.name.startswith("payment_link_sms")
            and _get_manifest_cached(module.name)["assets"].get("web.assets_frontend")
        }
        paths = [
            path
            for path in self._paths("web.assets_frontend")
            if path.strip("/").split("/")[0] in modules
        ]
        return modules, paths

    def test_bundle_holds_every_provider_frontend_asset(self):
        modules, expected = self._provider_frontend_assets()
        self.assertIn("payment_stripe", modules)
        self.assertIn("payment_demo", modules)
        lean = set(self._paths(const.PAY_PAGE_BUNDLE))
        missing = [path for path in expected if path not in lean]
        self.assertFalse(missing, "provider assets missing from the pay page's bundle")
        self.assertIn("/payment_stripe/static/src/js/payment_form.js", lean)
        self.assertIn("/payment_demo/static/src/js/payment_form.js", lean)

    def test_bundle_defines_every_module_its_scripts_import(self):
        """A script of the bundle (a provider's included) importing a module the lean bundle
        left out would stop the whole page: every import must be defined in the bundle."""
        paths = [p for p in self._paths(const.PAY_PAGE_BUNDLE) if p.endswith(".js")]
        defined = NAMED_MODULES | {_module_name(path) for path in paths}
        missing = {}
        for path in paths:
            addon = path.strip("/").split("/")[0]
            source = Path(_get_manifest_cached(addon)["addons_path"], path.strip("/"))
            if "/static/lib/" in path:
                continue  # a library (jQuery, luxon...), not an Odoo module
            text = re.sub(r"/\*.*?\*/", "", source.read_text(), flags=re.DOTALL)
            for match in IMPORT_RE.finditer(text):
                spec = match["spec"]
                if spec.startswith("."):
                    spec = _module_name(os.path.normpath(f"{path.rsplit('/', 1)[0]}/{spec}.js"))
                if spec not in defined:
                    missing.setdefault(spec, []).append(path)
        self.assertFalse(missing, "modules imported but not in the pay page's bundle")

    def test_bundle_leaves_out_the_frontend_we_do_not_need(self):
        lean = set(self._paths(const.PAY_PAGE_BUNDLE))
        frontend = set(self._paths("web.assets_frontend"))
        self.assertLess(len(lean), len(frontend) / 2)
        for left_out in (
            "/portal/static/src/js/portal.js",
            "/account_payment/static/src/js/portal_invoice_page_payment.js",
            "/web/static/src/core/emoji_picker/emoji_picker.js",
            "/web/static/src/core/datetime/datetime_picker.js",
            "/web/static/lib/bootstrap/js/dist/carousel.js",
            # The payment form's .tooltip() is the phone-sized stand-in, not Bootstrap's.
            "/web/static/lib/bootstrap/js/dist/tooltip.js",
            "/web/static/lib/popper/popper.js",
            # Imported by nothing on the pages.
            "/web/static/src/core/browser/router.js",
            "/web/static/src/core/network/download.js",
            "/web/static/src/core/tooltip/tooltip_service.js",
        ):
            self.assertNotIn(left_out, lean)
        self.assertIn("/payment_link_sms/static/src/js/pay_page_tooltip.js", lean)


@tagged("post_install", "-at_install")
class TestPayPageLean(PayPageCommon):
    """The pay pages load the lean bundle, not Odoo's frontend bundle, under their CSP."""

    def test_page_loads_the_lean_bundle_only(self):
        response = self.open_page()
        html = response.text
        self.assertIn(f"{const.PAY_PAGE_BUNDLE}.min.js", html)
        self.assertIn(f"{const.PAY_PAGE_BUNDLE}.min.css", html)
        self.assertNotIn("web.assets_frontend", html)
        # The page's inline scripts are all allowed by the CSP's hashes (none refused).
        policy = response.headers["Content-Security-Policy"]
        script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
        inline = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html)
        self.assertEqual(len(inline), script_src.count("'sha256-"))

    def test_no_favicon_request(self):
        html = self.open_page().text
        self.assertIn('rel="shortcut icon" href="data:,"', html)
        self.assertNotIn("favicon.ico", html)

    def test_logo_at_phone_size_and_cached(self):
        """The logo is resized by Odoo's image route to the size a phone shows it, readable
        by the public user through its limited access token, cached for a year."""
        logo = io.BytesIO()
        Image.new("RGB", (1200, 600), "navy").save(logo, "PNG")
        self.company.logo = base64.b64encode(logo.getvalue())
        html = self.open_page().text
        url = re.search(r'src="(/web/image/res\.company/[^"]+)"', html)[1]
        url = url.replace("&amp;", "&")
        self.assertIn(f"/web/image/res.company/{self.company.id}/logo/180x0?", url)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/png")
        self.assertEqual(Image.open(io.BytesIO(response.content)).size, (180, 90))
        self.assertIn("immutable", response.headers["Cache-Control"])
        self.assertIn("public", response.headers["Cache-Control"])

    def test_assets_are_served_with_a_long_cache(self):
        html = self.open_page().text
        for url in re.findall(r'(?:src|href)="(/web/assets/[^"]+)"', html):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200)
            self.assertIn("immutable", response.headers["Cache-Control"])
            self.assertIn("max-age=31536000", response.headers["Cache-Control"])
