# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CardOnFileCommon


@tagged("post_install", "-at_install")
class TestCardOnFileTours(CardOnFileCommon):
    def setUp(self):
        super().setUp()
        self.billing_user.write({"tz": "Europe/Paris"})

    def test_charge_card_on_file_from_the_invoice(self):
        self.record_consent()
        self.card.is_default = True
        with self.mock_gateways():
            self.start_tour(
                f"/odoo/action-account.action_move_out_invoice_type/{self.invoice.id}",
                "payment_link_sms_charge_card_tour",
                login="billing_user",
            )
        tx = self.card.transaction_ids
        self.assertRecordValues(tx, [{"state": "done", "amount": 100.0}])
        self.assertAlmostEqual(self.invoice.amount_residual, 1134.56)

    def test_partner_payment_cards_tab(self):
        # The consent dialog shows the text in the customer's language (English here; the
        # French one is TestConsentInThePageLanguage's).
        self.customer.lang = "en_US"
        old_consent = self.record_consent()
        self.card.is_default = True
        new_card = self._create_card(self.customer, "5555")
        self.start_tour(
            f"/odoo/res.partner/{self.customer.id}",
            "payment_link_sms_partner_cards_tour",
            login="billing_user",
        )
        self.assertTrue(new_card.is_default)
        self.assertRecordValues(
            new_card.consent_ids, [{"method": "phone", "user_id": self.billing_user.id}]
        )
        self.assertFalse(self.card.active)
        self.assertEqual(old_consent.state, "revoked")
