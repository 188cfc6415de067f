# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.a11y_browser import (
    DESKTOP,
    PHONE,
    format_violations,
    page_browser,
)

from .common import PaymentLinkSaleCommon


@tagged("post_install", "-at_install")
class TestOrderPageAccessibility(PaymentLinkSaleCommon):
    """The order's pay page and its receipt (issue 23): axe-core's WCAG 2.0, 2.1 and 2.2 A and
    AA rules at phone and desktop width, in English and French; no personal data."""

    def setUp(self):
        super().setUp()
        self.booking.write(
            {
                "require_payment": True,
                "prepayment_percent": 0.3,
                "client_order_ref": "Family trip",
            }
        )
        self.send_booking_link()

    def test_order_pay_page_and_receipt_have_no_wcag_violation(self):
        paid_order = self._create_booking()
        self.send_booking_link(paid_order)
        paid_token = self.token
        self.post_process(self.pay("done", token=paid_token))
        self.assertEqual(self.link_of_token(paid_token).state, "paid")
        self.send_booking_link()
        pages = [
            ("order pay page", f"/pay/{self.token}", self.link),
            ("order receipt", f"/pay/{paid_token}", self.link_of_token(paid_token)),
        ]
        failures = []
        with page_browser(self) as page:
            for lang in ("en_US", "fr_FR"):
                # Records change only between pages (see settle).
                page.settle()
                for _name, _path, link in pages:
                    link.sudo().lang = lang
                self.env.flush_all()
                for name, path, _link in pages:
                    for size in (PHONE, DESKTOP):
                        page.open(path, size=size)
                        failures += format_violations(f"{name} [{lang}, {size[0]} px]", page.axe())
        self.assertFalse(failures, "axe-core's WCAG violations:\n" + "\n".join(failures))

    def test_no_personal_data_of_the_customer_on_the_order_page(self):
        self.customer.write({"street": "12 rue des Lilas", "city": "Villeurbanne"})
        text = self.url_open(f"/pay/{self.token}").text
        for value in (self.customer.email, self.customer.mobile, "Lilas", "Villeurbanne"):
            self.assertNotIn(value, text)

    def link_of_token(self, token):
        return self.env["payment.link.token"]._find_link(token)
