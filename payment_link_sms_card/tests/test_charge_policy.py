# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Charging a card on file is a billing action on documents with a charge policy (issue 20,
item 2; desk requests: payment_link_sms_desk checks its own)."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CardOnFileCommon


class DocumentRightsCommon(CardOnFileCommon):
    """A consented card of the invoice's client, and the users who must not charge it: a
    portal customer, a user of another company, an internal user, a link sender who is no
    billing user (a salesperson, a desk agent)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env, login="doc_portal", groups="base.group_portal", partner_id=cls.customer.id
        )
        cls.elsewhere = new_test_user(
            cls.env,
            login="doc_elsewhere",
            groups="account.group_account_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.employee = new_test_user(cls.env, login="doc_employee", groups="base.group_user")
        cls.sender = new_test_user(
            cls.env, login="doc_sender", groups="payment_link_sms.group_payment_link_user"
        )

    def counts(self):
        return (
            self.env["payment.link"].sudo().search_count([]),
            self.env["payment.transaction"].sudo().search_count([]),
            self.env["sms.sms"].sudo().search_count([]),
        )


@tagged("post_install", "-at_install")
class TestChargePolicy(DocumentRightsCommon):
    """Item 2: charging a card on file is a billing action, on document types that declare a
    charge policy (invoices, confirmed orders); never on the others (``payment_link_sms_desk``
    checks its requests)."""

    def setUp(self):
        super().setUp()
        self.record_consent()

    @mute_logger("odoo.models")
    def test_only_billing_users_charge_an_invoice(self):
        before = self.counts()
        for user in (self.sender, self.employee, self.portal):
            with (
                self.subTest(user=user.login),
                self.mock_gateways(),
                self.assertRaises(AccessError),
            ):
                self.invoice.with_user(user).charge_card_on_file(token_id=self.card.id)
        self.assertEqual(self.counts(), before)
        with self.mock_gateways():
            answer = self.invoice.with_user(self.billing_user).charge_card_on_file(
                token_id=self.card.id, amount=10.0
            )
        self.assertEqual(answer["state"], "paid", answer["message"])

    @mute_logger("odoo.models")
    def test_charge_wizard_refuses_non_billing_users(self):
        Wizard = self.env["payment.link.charge"]
        with self.assertRaises(AccessError):
            Wizard.with_user(self.sender).create(
                {"res_model": "account.move", "res_id": self.invoice.id}
            )
        # A wizard made by someone else (or before the rights changed) still charges nothing.
        wizard = (
            Wizard.with_user(self.sender)
            .sudo()
            .create({"res_model": "account.move", "res_id": self.invoice.id})
        )
        before = self.counts()
        with self.assertRaises(AccessError):
            wizard.with_user(self.sender).sudo(False).action_charge()
        self.assertEqual(self.counts(), before)
