# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.payment_link_sms.tests.common import create_demo_card

from .common import PaymentLinkCommon


class CardOnFileCommon(PaymentLinkCommon):
    """A customer's card saved with the demo provider, and a second company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls._create_card(cls.customer, "4242")
        cls.other_company = cls.env["res.company"].create(
            {"name": "Other Garage", "country_id": cls.env.ref("base.fr").id}
        )
        cls.other_provider = cls._prepare_demo_provider(cls.other_company)

    @classmethod
    def _create_card(cls, partner, last_digits, provider=None, state="done", **values):
        return create_demo_card(
            cls.env, partner, provider or cls.demo_provider, last_digits, state=state, **values
        )

    def record_consent(self, card=None, user=None, method="phone"):
        user = user or self.billing_user
        return (
            self.env["payment.consent"]
            .with_user(user)
            .create({"token_id": (card or self.card).id, "method": method})
        )


@tagged("post_install", "-at_install")
class TestCardConsent(CardOnFileCommon):
    def test_staff_consent_keeps_the_evidence(self):
        consent = self.record_consent(method="in_person")
        self.assertRecordValues(
            consent,
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "method": "in_person",
                    "user_id": self.billing_user.id,
                    "consent_version": self.company.payment_consent_version,
                    "state": "active",
                    "ip_address": False,
                }
            ],
        )
        # The text in the customer's language (French), as it was read to them.
        self.assertEqual(
            consent.consent_text,
            self.company.with_context(lang="fr_FR").payment_consent_text,
        )
        self.assertEqual(self.card.consent_state, "active")

    def test_staff_cannot_type_online_evidence_nor_another_recorder(self):
        consent = (
            self.env["payment.consent"]
            .with_user(self.billing_user)
            .create(
                {
                    "token_id": self.card.id,
                    "method": "phone",
                    "ip_address": "203.0.113.9",
                    "user_agent": "forged",
                    "user_id": self.env.ref("base.user_admin").id,
                    "state": "revoked",
                }
            )
        )
        self.assertRecordValues(
            consent,
            [{"ip_address": False, "user_agent": False, "user_id": self.billing_user.id}],
        )
        self.assertEqual(consent.state, "active")

    def test_staff_consent_is_in_person_or_on_the_phone(self):
        with self.assertRaisesRegex(UserError, "in person or on the phone"):
            self.record_consent(method="online")

    def test_only_billing_users_record_consent(self):
        salesman = new_test_user(
            self.env, login="no_billing", groups="base.group_user", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            self.record_consent(user=salesman)
        self.assertEqual(self.card.consent_state, "none")

    def _sender_only(self):
        return new_test_user(
            self.env,
            login="sender_only",
            groups="base.group_user,payment_link_sms.group_payment_link_user",
            company_id=self.company.id,
        )

    def test_only_billing_users_revoke(self):
        consent = self.record_consent()
        with self.assertRaisesRegex(AccessError, "Only billing users may revoke"):
            consent.with_user(self._sender_only()).action_revoke()
        self.assertEqual(consent.state, "active")
        self.assertTrue(self.card.active)

    def test_only_billing_users_manage_cards(self):
        sender = self._sender_only()
        for action in ("action_set_default", "action_payment_link_remove"):
            with self.assertRaisesRegex(AccessError, "Only billing users may manage"):
                getattr(self.card.with_user(sender), action)()
        self.assertTrue(self.card.active)
        self.assertFalse(self.card.is_default)

    def test_consent_for_a_card_of_another_company_is_refused(self):
        card = self._create_card(self.customer, "1111", provider=self.other_provider)
        with self.assertRaisesRegex(AccessError, "company you do not work for"):
            self.record_consent(card=card)

    def test_consent_for_a_removed_card_is_refused(self):
        self.card.action_archive()
        with self.assertRaisesRegex(UserError, "card was removed"):
            self.record_consent()

    def test_consent_cannot_be_changed(self):
        consent = self.record_consent()
        for user in (self.billing_user, self.env.ref("base.user_admin")):
            with self.assertRaises(UserError):
                consent.with_user(user).write({"consent_text": "Something else"})
        with self.assertRaisesRegex(UserError, "cannot be changed, only revoked"):
            consent.sudo().write({"state": "revoked"})
        self.assertEqual(consent.state, "active")

    def test_consent_cannot_be_deleted(self):
        consent = self.record_consent()
        for user in (self.billing_user, self.env.ref("base.user_admin")):
            with self.assertRaises(UserError):
                consent.with_user(user).unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            consent.sudo().unlink()
        self.assertTrue(consent.exists())

    def test_revoke_archives_the_card(self):
        consent = self.record_consent()
        consent.with_user(self.billing_user).action_revoke()
        self.assertRecordValues(
            consent, [{"state": "revoked", "revoked_by_id": self.billing_user.id}]
        )
        self.assertTrue(consent.revoked_date)
        self.assertFalse(self.card.active)
        self.assertEqual(self.card.consent_state, "revoked")

    def test_removing_the_card_revokes_its_consent(self):
        consent = self.record_consent()
        self.card.is_default = True
        self.card.with_user(self.billing_user).action_payment_link_remove()
        self.assertFalse(self.card.active)
        self.assertFalse(self.card.is_default)
        self.assertEqual(consent.state, "revoked")

    def test_consent_of_another_company_is_not_readable(self):
        card = self._create_card(self.customer, "1111", provider=self.other_provider)
        consent = (
            self.env["payment.consent"].sudo().create({"token_id": card.id, "method": "phone"})
        )
        self.assertFalse(
            self.env["payment.consent"]
            .with_user(self.billing_user)
            .search([("id", "=", consent.id)])
        )

    def test_default_card_is_unique_per_customer_and_company(self):
        contact = self.env["res.partner"].create(
            {"name": "Camille's office", "parent_id": self.customer.id, "type": "invoice"}
        )
        second = self._create_card(contact, "5555")
        other_company_card = self._create_card(
            self.customer, "1111", provider=self.other_provider, is_default=True
        )
        someone_else = self._create_card(self.customer_nb, "7777", is_default=True)
        self.card.with_user(self.billing_user).action_set_default()
        self.assertTrue(self.card.is_default)
        second.with_user(self.billing_user).action_set_default()
        self.assertRecordValues(
            self.card + second + other_company_card + someone_else,
            [
                {"is_default": False},
                {"is_default": True},
                {"is_default": True},
                {"is_default": True},
            ],
        )


@tagged("post_install", "-at_install")
class TestConsentSettings(CardOnFileCommon):
    def test_a_new_text_is_a_new_version(self):
        version = self.company.payment_consent_version
        first = self.record_consent()
        self.company.payment_consent_text = "I agree to be charged for each repair."
        self.assertEqual(self.company.payment_consent_version, version + 1)
        self.company.payment_consent_text = "I agree to be charged for each repair."
        self.assertEqual(self.company.payment_consent_version, version + 1, "same text")
        self.customer.lang = "en_US"
        second = self.record_consent(card=self._create_card(self.customer, "4444"))
        self.assertEqual(second.consent_text, "I agree to be charged for each repair.")
        self.assertEqual(second.consent_version, version + 1)
        self.assertNotEqual(first.consent_text, second.consent_text, "each keeps its own text")

    def test_settings_defaults_and_form(self):
        self.assertEqual(self.company.payment_link_save_card, "off")
        self.assertTrue(self.company.payment_consent_required)
        settings = Form(self.env["res.config.settings"])
        settings.payment_link_save_card = "offered"
        settings.payment_consent_required = False
        settings.save().execute()
        self.assertEqual(self.company.payment_link_save_card, "offered")
        self.assertFalse(self.company.payment_consent_required)


@tagged("post_install", "-at_install")
class TestRegisterPaymentWithSavedCard(CardOnFileCommon):
    def register(self, invoice):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_token_id": self.card.id})
        )
        # The demo method of the demo provider, which accepts tokens.
        line = self.demo_provider.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.demo_provider
        )
        wizard.write({"payment_method_line_id": line.id, "payment_token_id": self.card.id})
        return wizard.action_create_payments()

    def test_unconsented_card_is_charged_by_default_as_odoo_does(self):
        # Odoo's own flow keeps Odoo's rule by default: a card saved through Odoo's checkbox,
        # or before the install, has no consent of ours and is still charged.
        self.assertTrue(self.company.payment_consent_required)
        invoice = self._create_posted_invoice(self.customer, 80.0)
        self.register(invoice)
        self.assertEqual(self.card.transaction_ids.state, "done")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(self.company.payment_consent_register_payment)

    def test_our_charge_still_requires_the_consent_by_default(self):
        invoice = self._create_posted_invoice(self.customer, 80.0)
        with self.assertRaisesRegex(UserError, "no consent of the customer"):
            invoice.with_user(self.billing_user).charge_card_on_file(token_id=self.card.id)
        self.assertFalse(self.card.transaction_ids)

    def test_unconsented_card_is_refused_when_the_company_extends_the_rule(self):
        settings = Form(self.env["res.config.settings"])
        settings.payment_consent_register_payment = True
        settings.save().execute()
        self.assertTrue(self.company.payment_consent_register_payment)
        invoice = self._create_posted_invoice(self.customer, 80.0)
        with self.assertRaisesRegex(UserError, "no consent of the customer"):
            self.register(invoice)
        self.assertFalse(self.card.transaction_ids)

    def test_unconsented_card_is_charged_when_consent_is_not_required(self):
        self.company.payment_consent_required = False
        self.company.payment_consent_register_payment = True
        invoice = self._create_posted_invoice(self.customer, 80.0)
        self.register(invoice)
        self.assertEqual(self.card.transaction_ids.state, "done")

    def test_consented_card_is_charged(self):
        self.company.payment_consent_register_payment = True
        self.record_consent()
        invoice = self._create_posted_invoice(self.customer, 80.0)
        self.register(invoice)
        self.assertEqual(self.card.transaction_ids.state, "done")
