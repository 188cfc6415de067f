# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CardOnFileCommon


@tagged("post_install", "-at_install")
class TestChargeTestProviders(CardOnFileCommon):
    """Item 6: a card of a provider in test mode pays a document only when the company
    accepts test payments on links."""

    def setUp(self):
        super().setUp()
        self.record_consent()
        self.assertEqual(self.demo_provider.state, "test")
        self.company.payment_link_allow_test_providers = False

    def test_test_card_refused_without_the_setting(self):
        invoice = self.invoice.with_user(self.billing_user)
        self.assertFalse(invoice._payment_link_charge_cards())
        self.assertFalse(invoice.payment_link_can_charge)
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "test mode"):
            invoice.charge_card_on_file(token_id=self.card.id)
        self.assertFalse(self.invoice.transaction_ids)
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_test_card_accepted_with_the_setting(self):
        self.company.payment_link_allow_test_providers = True
        invoice = self.invoice.with_user(self.billing_user)
        self.assertEqual(invoice._payment_link_charge_cards(), self.card)
        with self.mock_gateways():
            answer = invoice.charge_card_on_file(token_id=self.card.id)
        self.assertEqual(answer["state"], "paid", answer["message"])
