# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.common import create_demo_card

from .common import PaymentLinkSaleCommon


@tagged("post_install", "-at_install")
class TestSalespersonCardRecords(PaymentLinkSaleCommon):
    """Salespeople send links, but the consent ledger (IP addresses, user agents) and card
    requests are for billing and accounting users (issue 20, item 4)."""

    def setUp(self):
        super().setUp()
        card = create_demo_card(self.env, self.customer, self.demo_provider, "4242")
        self.consent = (
            self.env["payment.consent"]
            .with_user(self.billing_user)
            .create({"token_id": card.id, "method": "phone"})
        )
        self.card_request = (
            self.env["payment.card.request"].sudo().create({"partner_id": self.customer.id})
        )

    def test_salesperson_reads_no_consent_nor_card_request(self):
        for record in (self.consent, self.card_request):
            with self.subTest(model=record._name):
                with self.assertRaises(AccessError):
                    self.env[record._name].with_user(self.salesperson).search([])
                with self.assertRaises(AccessError):
                    record.with_user(self.salesperson).read(["partner_id"])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesperson).request_payment_card("sms")
        for record in (self.consent, self.card_request):
            self.assertEqual(self.env[record._name].with_user(self.billing_user).search([]), record)

    def test_partner_form_opens_for_a_salesperson(self):
        partner = self.customer.with_user(self.salesperson)
        fields = partner.get_views([(False, "form")])["models"]["res.partner"]["fields"]
        self.assertNotIn("payment_consent_ids", fields)
        self.assertNotIn("payment_card_request_count", fields)
        self.assertNotIn("payment_card_request_ids", partner.fields_get())
        partner.web_read({name: {} for name in fields if name.startswith("payment_")})
