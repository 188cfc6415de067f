# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The desk request's pay page accessible as every customer page of the engine is (issue 23):
axe-core's WCAG 2.2 AA rules at phone and desktop width in English and French, reflow at
320 px, and no personal data of the customer beyond the request."""

from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.a11y_browser import (
    DESKTOP,
    PHONE,
    format_violations,
    page_browser,
)
from odoo.addons.payment_link_sms.tests.common import PayPageCommon

from .common import PaymentRequestCommon


@tagged("post_install", "-at_install")
class TestRequestPageAccessibility(PaymentRequestCommon, PayPageCommon):
    def setUp(self):
        super().setUp()
        answer = self.create_request(reference="Dépannage A7", explanation="Towing to Lyon")
        self.request_link = self.link_of(answer)
        self.request_path = f"/pay/{self.token_of(answer)}"

    def test_request_page_has_no_wcag_violation_and_reflows(self):
        failures, problems = [], []
        with page_browser(self) as page:
            for lang in ("en_US", "fr_FR"):
                page.settle()
                self.request_link.sudo().lang = lang
                self.env.flush_all()
                for size in (PHONE, DESKTOP):
                    page.open(self.request_path, size=size)
                    failures += format_violations(
                        f"pay page (desk request) [{lang}, {size[0]} px]", page.axe()
                    )
            page.open(self.request_path, size=(320, 640))
            layout = page.layout_state()
            if layout["scrollWidth"] > layout["clientWidth"]:
                problems.append("scrolls sideways at 320 px")
            problems += [f"clipped {html}" for html in layout["clipped"]]
            problems += [f"target under 24 x 24 px {html}" for html in layout["small"]]
        self.assertFalse(failures, "axe-core's WCAG violations:\n" + "\n".join(failures))
        self.assertFalse(problems, "\n".join(problems))

    def test_no_personal_data_of_the_customer_on_the_request_page(self):
        self.request_link.sudo().lang = "en_US"
        text = self.url_open(self.request_path).text
        self.assertIn("Dépannage A7", text)
        personal = [self.customer.email, self.customer.mobile, "+33612345678"]
        self.assertFalse([value for value in personal if value and value in text])
