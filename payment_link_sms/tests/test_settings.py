# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from .. import utils


@tagged("post_install", "-at_install")
class TestPaymentLinkSettings(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company

    def _save_settings(self, **values):
        settings = self.env["res.config.settings"].create(values)
        settings.execute()

    def test_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh Co"})
        self.assertEqual(company.payment_link_validity_days, 60)
        self.assertEqual(company.payment_link_default_channel, "sms")
        self.assertFalse(company.payment_link_allow_partial)
        self.assertTrue(company.payment_link_show_logo)

    def test_settings_are_saved_per_company(self):
        self._save_settings(
            payment_link_validity_days=30,
            payment_link_default_channel="both",
            payment_link_allow_partial=True,
            payment_link_legal_url="https://example.com/legal",
            payment_link_privacy_url="http://example.com/privacy",
        )
        self.assertEqual(self.company.payment_link_validity_days, 30)
        self.assertEqual(self.company.payment_link_default_channel, "both")
        self.assertTrue(self.company.payment_link_allow_partial)
        self.assertEqual(self.company.payment_link_legal_url, "https://example.com/legal")
        other = self.env["res.company"].create({"name": "Other Co"})
        self.assertEqual(other.payment_link_validity_days, 60)

    def test_validity_bounds_accepted(self):
        for days in (1, 365):
            self._save_settings(payment_link_validity_days=days)
            self.assertEqual(self.company.payment_link_validity_days, days)

    def test_validity_out_of_range_refused(self):
        for days in (0, 366, -5):
            with self.subTest(days=days):
                with self.assertRaises(ValidationError) as error:
                    self._save_settings(payment_link_validity_days=days)
                self.assertIn(
                    "must be between 1 and 365 days (got %s)" % days, str(error.exception)
                )
                self.company.invalidate_recordset()
                self.assertEqual(self.company.payment_link_validity_days, 60)

    def test_unsafe_urls_refused(self):
        for field_name in ("payment_link_legal_url", "payment_link_privacy_url"):
            for url in (
                "javascript:alert(1)",
                "JavaScript:alert(1)",
                "data:text/html,x",
                "ftp://example.com",
                "/relative/path",
                "https://exa mple.com",
                "https://",
            ):
                with self.subTest(field=field_name, url=url):
                    with self.assertRaises(ValidationError) as error:
                        self._save_settings(**{field_name: url})
                    self.assertIn(
                        "must be a web address starting with http:// or https://",
                        str(error.exception),
                    )
                    self.company.invalidate_recordset()
                    self.assertFalse(self.company[field_name])

    def test_is_http_url(self):
        self.assertTrue(utils.is_http_url("https://example.com"))
        self.assertTrue(utils.is_http_url("HTTP://example.com/a?b=c#d"))
        for value in (
            False,
            "",
            "javascript:alert(1)",
            "https://\x00x.com",
            "mailto:a@b.c",
            "//example.com",
            "https:///path",
        ):
            self.assertFalse(utils.is_http_url(value), value)
