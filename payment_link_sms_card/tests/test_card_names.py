# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CardOnFileCommon

TYPED = "4242 4242 4242 4242"  # what a customer types in the Demo provider's form


@tagged("post_install", "-at_install")
class TestCardNames(CardOnFileCommon):
    """Issue 22, item 4: a card is named by its brand and last 4 digits everywhere, whatever
    the provider stores; a customer's first saved card becomes the default; with one card,
    a charge without a card named uses it."""

    def setUp(self):
        super().setUp()
        self.invoice_en = self._create_posted_invoice(self.customer_en, 80.0)

    def test_whole_typed_number_named_by_brand_and_last_4_digits(self):
        card = self._create_card(self.customer_en, TYPED)
        self.assertEqual(card.payment_details, "4242", "the whole number is not kept")
        self.assertEqual(card.display_name, "Card •••• 4242")
        self.record_consent(card)
        self.assertIn("Card •••• 4242", card.consent_ids.display_name)
        invoice = self.invoice_en.with_user(self.billing_user)
        with self.mock_gateways():
            answer = invoice.charge_card_on_file(amount=20.0)
        self.assertEqual(answer["state"], "paid", answer["message"])
        self.assertIn("Card •••• 4242", answer["message"])
        link = self.env["payment.link"].browse(answer["link_id"])
        seen = [
            answer["message"],
            *link.event_ids.mapped("reason"),
            *self.invoice_en.message_ids.mapped("body"),
            *card.consent_ids.mapped("display_name"),
        ]
        for text in seen:
            self.assertNotIn("42424242", str(text or ""))
        # A brand the provider gives names the card.
        visa = self._create_card(
            self.customer_en,
            "4000-0566-5566-5556",
            payment_method_id=self.env.ref("payment.payment_method_visa").id,
        )
        self.assertEqual(visa.display_name, "VISA •••• 5556")

    def test_first_saved_card_becomes_the_default(self):
        first = self._create_card(self.customer_en, "1111")
        second = self._create_card(self.customer_en, "2222")
        self.assertTrue(first.is_default)
        self.assertFalse(second.is_default)
        # A customer who has cards, none of them the default, gets no default by chance.
        first.action_archive()
        third = self._create_card(self.customer_en, "3333")
        self.assertFalse(third.is_default, "the customer still had a card")
        # One who removed all their cards: the next card saved is their first again.
        (second | third).action_archive()
        fourth = self._create_card(self.customer_en, "4444")
        self.assertTrue(fourth.is_default)

    def test_charge_without_a_card_named_uses_the_only_card(self):
        card = self._create_card(self.customer_en, "4242")
        card.is_default = False
        self.record_consent(card)
        with self.mock_gateways():
            answer = self.invoice_en.with_user(self.billing_user).charge_card_on_file(amount=10.0)
        self.assertEqual(answer["state"], "paid", answer["message"])
        self.assertEqual(self.invoice_en.transaction_ids.token_id, card)

    def test_several_cards_and_no_default_are_listed_by_id(self):
        cards = self._create_card(self.customer_en, "4242") | self._create_card(
            self.customer_en, "5555"
        )
        cards.write({"is_default": False})
        for card in cards:
            self.record_consent(card)
        with self.assertRaises(UserError) as refusal:
            self.invoice_en.with_user(self.billing_user).charge_card_on_file(amount=10.0)
        for card in cards:
            self.assertIn(f"{card.display_name} #{card.id}", str(refusal.exception))
        self.assertFalse(self.invoice_en.transaction_ids)
