# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import html

from odoo.tests import tagged

from .common import CardPageCommon, create_demo_card

STANDARD = {
    "en_US": "I authorise YourCompany to save my card",
    "fr_FR": "J'autorise YourCompany à enregistrer ma carte",
    "nb_NO": "Jeg gir YourCompany tillatelse til å lagre kortet mitt",
    "es_ES": "Autorizo a YourCompany a guardar mi tarjeta",
}
STANDARD_START = {
    "en_US": "I authorise ",
    "fr_FR": "J'autorise ",
    "nb_NO": "Jeg gir ",
    "es_ES": "Autorizo a ",
}


@tagged("post_install", "-at_install")
class TestConsentInThePageLanguage(CardPageCommon):
    """Issue 22, item 6: the default consent and card-request texts ship in fr, nb and es; the
    consent text is shown and recorded in the language the page was shown in."""

    consent_text = None  # the company keeps the text it has by default

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.payment_link_save_card = "offered"

    def test_standard_texts_in_fr_nb_es(self):
        company = self.env["res.company"].create({"name": "YourCompany"})
        for lang, start in STANDARD.items():
            with self.subTest(lang=lang):
                self.assertTrue(
                    company._payment_consent_text(lang).startswith(start),
                    company._payment_consent_text(lang),
                )
        sms = self.env.ref("payment_link_sms_card.sms_template_card_request")
        mail = self.env.ref("payment_link_sms_card.mail_template_card_request")
        for lang, words in (
            ("fr_FR", "enregistrez votre carte"),
            ("nb_NO", "kort"),
            ("es_ES", "tarjeta"),
        ):
            with self.subTest(lang=lang):
                self.assertIn(words, sms.with_context(lang=lang).body)
                self.assertIn(words, mail.with_context(lang=lang).subject)

    def test_french_page_shows_and_records_the_french_text(self):
        self.link.sudo().lang = "fr_FR"  # the French customer's page (the fixture reads English)
        french = self.company._payment_consent_text("fr_FR")
        self.assertTrue(french.startswith(STANDARD_START["fr_FR"]), french)
        page = html.unescape(self.open_page().text)
        self.assertIn(french, page)
        self.assertNotIn("I authorise", page)
        tx = self.pay_demo(tokenization_requested=True)
        self.assertEqual(tx.payment_link_consent_id.consent_text, french)

    def test_staff_consent_read_in_the_customer_language(self):
        card = create_demo_card(self.env, self.customer, self.demo_provider, "4242")
        consent = (
            self.env["payment.consent"]
            .with_user(self.billing_user)
            .create({"token_id": card.id, "method": "phone"})
        )
        self.assertTrue(consent.consent_text.startswith(STANDARD_START["fr_FR"]))
