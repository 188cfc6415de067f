# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who reads the card-on-file records, how a consent gets into the ledger, and who may use a
saved card on a payment page (issue 20, items 4, 7 and 8)."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import PayPageCommon

from .common import CardOnFileCommon


@tagged("post_install", "-at_install")
class TestCardRecordsRights(CardOnFileCommon):
    """Consents (IP addresses, user agents) and card requests: billing and accounting users
    only, not every link user (desk agents; salespeople, who are link senders)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.desk_agent = new_test_user(
            cls.env,
            login="desk_agent",
            # What a desk agent is to the engine (payment_link_sms_desk makes its agents imply it).
            groups="base.group_user,payment_link_sms.group_payment_link_user",
            company_id=cls.company.id,
        )
        # What a salesperson is to this addon (payment_link_sms_sale makes them imply it).
        cls.link_sender = new_test_user(
            cls.env,
            login="link_sender",
            groups="base.group_user,payment_link_sms.group_payment_link_user",
            company_id=cls.company.id,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="readonly_accountant",
            groups="base.group_user,account.group_account_readonly",
            company_id=cls.company.id,
        )

    def setUp(self):
        super().setUp()
        self.consent = self.record_consent()
        self.card_request = (
            self.env["payment.card.request"].sudo().create({"partner_id": self.customer.id})
        )

    def test_link_users_read_no_consent_nor_card_request(self):
        for user in (self.desk_agent, self.link_sender):
            for record in (self.consent, self.card_request):
                with self.subTest(user=user.login, model=record._name):
                    with self.assertRaises(AccessError):
                        self.env[record._name].with_user(user).search([])
                    with self.assertRaises(AccessError):
                        record.with_user(user).read(["partner_id"])
            with self.assertRaises(AccessError):
                self.consent.with_user(user).read(["ip_address", "user_agent"])

    def test_billing_and_accounting_users_read_them(self):
        for user in (self.billing_user, self.accountant):
            with self.subTest(user=user.login):
                consents = self.env["payment.consent"].with_user(user).search([])
                self.assertEqual(consents, self.consent)
                consents.read(["ip_address", "user_agent", "consent_text"])
                requests = self.env["payment.card.request"].with_user(user).search([])
                self.assertEqual(requests, self.card_request)
                requests.read(["name", "partner_id", "state"])

    def test_partner_form_still_opens_for_link_users(self):
        # The web client reads what the form shows: the card tab, the card request button and
        # count are not in the view of a user who may not read them.
        for user in (self.desk_agent, self.link_sender, self.billing_user):
            with self.subTest(user=user.login):
                partner = self.customer.with_user(user)
                views = partner.get_views([(False, "form")])
                fields = views["models"]["res.partner"]["fields"]
                billing = user == self.billing_user
                for name in ("payment_consent_ids", "payment_card_request_count"):
                    self.assertEqual(name in fields, billing, name)
                # Our fields (Odoo's account fields need billing rights of their own).
                partner.web_read({name: {} for name in fields if name.startswith("payment_")})

    def test_link_users_cannot_request_a_card(self):
        for user in (self.desk_agent, self.link_sender):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).request_payment_card("sms")
        self.assertEqual(self.env["payment.card.request"].search([]), self.card_request)
        with self.mock_gateways():
            answer = self.customer.with_user(self.billing_user).request_payment_card("sms")[0]
        self.assertFalse(answer["error"])


@tagged("post_install", "-at_install")
class TestConsentOnlyThroughTheLedger(CardOnFileCommon):
    """A consent enters the ledger only through its checked ways: a staff member's create, or
    the consent given on a link's page for the card that very payment saved."""

    def setUp(self):
        super().setUp()
        with self.mock_gateways():
            self.link = self.link_of(self.send_link()[0])

    def link_transaction(self, **values):
        """A successful payment of the invoice's link whose page asked to save the card, as the
        customer's browser gave it (its consent kept on the transaction)."""
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.demo_provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_card").id,
                "partner_id": self.customer.id,
                "amount": 10.0,
                "currency_id": self.company.currency_id.id,
                "reference": self.env["payment.transaction"]._compute_reference("demo"),
                "operation": "online_direct",
                "payment_link_id": self.link.id,
                "payment_link_consent_values": {
                    "consent_text": "I agree.",
                    "consent_version": 1,
                    "method": "online",
                    "ip_address": "203.0.113.9",
                    "user_agent": "Forged/1.0",
                },
                **values,
            }
        )
        tx._set_done()
        return tx

    def test_billing_user_writing_a_token_records_no_consent(self):
        tx = self.link_transaction()
        self.assertFalse(self.env["payment.consent"].search([]))
        tx.with_user(self.billing_user).write({"token_id": self.card.id})
        self.assertEqual(tx.token_id, self.card)
        self.assertFalse(self.env["payment.consent"].search([]))
        self.assertFalse(tx.payment_link_consent_id)
        self.assertEqual(self.card.consent_state, "none")

    @mute_logger("odoo.addons.payment_link_sms_card.models.payment_consent")
    def test_ledger_refuses_a_card_the_transaction_did_not_save(self):
        # Even the server's own flow records a page's consent only for the card that very
        # payment saved: not another customer's card, not a card saved by an earlier payment.
        other_card = self._create_card(self.customer_en, "1881")
        tx = self.link_transaction()
        tx.write({"token_id": other_card.id})
        self.assertEqual(other_card.consent_state, "none")
        earlier = self.link_transaction(token_id=self.card.id)
        self.assertEqual(self.card.consent_state, "active", "the card this payment saved")
        later = self.link_transaction()
        later.write({"token_id": self.card.id})
        self.assertEqual(later.payment_link_consent_id, self.env["payment.consent"])
        self.assertEqual(earlier.payment_link_consent_id.token_id, self.card)
        self.assertEqual(len(self.card.consent_ids), 1)


@tagged("post_install", "-at_install")
class TestSavedCardOnPortalPages(CardOnFileCommon, PayPageCommon):
    """A bearer link is not a login: Odoo's invoice portal page (its URL carries an access
    token) offers and charges the customer's saved cards only to the customer, logged in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo_provider.allow_tokenization = True
        cls.portal_user = new_test_user(
            cls.env,
            login="camille_portal",
            groups="base.group_portal",
            partner_id=cls.customer.id,
        )

    def portal_page(self):
        return self.url_open(self.invoice.get_portal_url())

    def token_payment(self):
        return {
            "access_token": self.invoice._portal_ensure_token(),
            "provider_id": self.demo_provider.id,
            "payment_method_id": None,
            "token_id": self.card.id,
            "amount": 100.0,
            "flow": "token",
            "tokenization_requested": False,
            "landing_route": self.invoice.get_portal_url(),
            "is_validation": False,
        }

    def card_transactions(self):
        return self.env["payment.transaction"].search([("token_id", "=", self.card.id)])

    @mute_logger("odoo.http")
    def test_logged_out_holder_of_the_portal_link_cannot_charge_the_card(self):
        self.jsonrpc_refused(
            f"/invoice/transaction/{self.invoice.id}",
            self.token_payment(),
            "A saved card can only be used by its owner, logged in.",
        )
        self.assertFalse(self.card_transactions())

    def test_logged_out_visitor_is_offered_no_saved_card(self):
        page = self.portal_page()
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_payment_form", page.text, "the invoice can be paid on the page")
        self.assertNotIn("o_payment_tokens_heading", page.text)
        self.assertNotIn(self.card.display_name, page.text)

    @mute_logger("odoo.http")
    def test_other_logged_in_user_cannot_charge_the_card(self):
        new_test_user(self.env, login="someone_else", groups="base.group_portal")
        self.authenticate("someone_else", "someone_else")
        self.assertNotIn(self.card.display_name, self.portal_page().text)
        self.jsonrpc_refused(
            f"/invoice/transaction/{self.invoice.id}",
            self.token_payment(),
            "A saved card can only be used by its owner, logged in.",
        )
        self.assertFalse(self.card_transactions())

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_logged_in_owner_is_offered_the_card_and_pays_with_it(self):
        self.authenticate("camille_portal", "camille_portal")
        page = self.portal_page()
        self.assertIn("o_payment_tokens_heading", page.text)
        self.assertIn(self.card.display_name, page.text)
        self.make_jsonrpc_request(f"/invoice/transaction/{self.invoice.id}", self.token_payment())
        self.assertEqual(self.card_transactions().state, "done")
        self.assertEqual(self.card_transactions().invoice_ids, self.invoice)

    @mute_logger("odoo.http")
    def test_our_pay_page_takes_no_saved_card(self):
        params = {**self.token_payment(), "access_token": self.token}  # the invoice's link
        params["amount"] = self.invoice.amount_residual
        self.jsonrpc_refused("/pay/transaction", params, "Saved payment methods cannot be used")
        self.assertFalse(self.card_transactions())
