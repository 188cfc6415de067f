# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rights matrix of the card addon: every method of its classes callable over RPC (and
the methods of the documents it defines), called by every role (the machinery:
``payment_link_sms/tests/common_rights_matrix.py``).

A new public method without its line in ``METHODS`` fails the first test; a line of ``POLICY``
says who may call it and why. Extend both tables (module level) when adding a public method.
"""

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common_rights_matrix import (
    BILLING,
    NO_ARGS,
    SENDERS,
    RightsMatrixCase,
    _allow,
    _args,
)

from .common import create_demo_card

DOCUMENTS = (
    "payment.link.mixin",
    "account.move",
    "payment.card.request",
    "sale.order",
)

# Every public method of the addon's classes (model, method): its sample arguments.
METHODS = {
    # Charging a card on file, on each document type.
    **{(model, "action_charge_card_on_file"): NO_ARGS for model in DOCUMENTS},
    **{
        (model, "charge_card_on_file"): lambda test: ([], {"token_id": test.card.id, "amount": 5})
        for model in DOCUMENTS
    },
    # Card requests: a document type of this addon (the engine's contract methods on it).
    **{
        ("payment.card.request", method): NO_ARGS
        for method in (
            "action_send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
        )
    },
    ("payment.card.request", "send_payment_link"): _args("sms"),
    ("account.payment", "action_post"): NO_ARGS,
    ("payment.link.charge", "action_charge"): NO_ARGS,
    ("payment.consent", "action_revoke"): NO_ARGS,
    ("payment.token", "action_payment_link_record_consent"): NO_ARGS,
    ("payment.token", "action_payment_link_remove"): NO_ARGS,
    ("payment.token", "action_set_default"): NO_ARGS,
    ("res.partner", "action_request_payment_card"): NO_ARGS,
    ("res.partner", "action_view_payment_card_requests"): NO_ARGS,
    ("res.partner", "request_payment_card"): _args("sms"),
}

# Who may call what, and why (see the engine's matrix).
POLICY = {
    **_allow(
        "account.move",
        ("action_charge_card_on_file", "charge_card_on_file"),
        BILLING,
        "invoices declare a charge policy; charging is a billing action",
    ),
    # Card requests: the senders of links request cards (the request is read-only to them);
    # nobody charges a card on a card request (nor on a desk request).
    **_allow(
        "payment.card.request",
        (
            "action_send_payment_link",
            "send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
        ),
        SENDERS,
        "the senders of links send, expire and resend card requests (nothing is charged)",
    ),
    **_allow(
        "sale.order",
        ("action_charge_card_on_file", "charge_card_on_file"),
        BILLING,
        "confirmed orders declare a charge policy; charging is a billing action",
    ),
    **_allow(
        "payment.link.charge",
        ("action_charge",),
        BILLING,
        "the charge wizard of billing users (charge_card_on_file checks the document)",
    ),
    # Cards and consents: billing users manage the cards of their company's customers.
    **_allow(
        "payment.token",
        ("action_payment_link_record_consent", "action_payment_link_remove", "action_set_default"),
        BILLING,
        "billing users manage saved cards",
    ),
    **_allow(
        "payment.consent",
        ("action_revoke",),
        BILLING,
        "billing users revoke a consent (the ledger's own checked method)",
    ),
    # Customers: senders request cards and see the card requests.
    **_allow(
        "res.partner",
        (
            "action_request_payment_card",
            "request_payment_card",
            "action_view_payment_card_requests",
        ),
        SENDERS,
        "senders request a card from the customers they may read",
    ),
    # Odoo's own flow, extended by us: its own rights decide.
    **_allow(
        "account.payment",
        ("action_post",),
        BILLING,
        "Odoo's Register Payment of billing users",
    ),
}


@tagged("post_install", "-at_install")
class TestCardRightsMatrix(RightsMatrixCase):
    METHODS = METHODS
    POLICY = POLICY
    ADDONS = ("payment_link_sms_card",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = create_demo_card(cls.env, cls.customer, cls.demo_provider, "4242")
        cls.other_card = create_demo_card(cls.env, cls.other_customer, cls.other_provider, "4343")
        cls.consent = (
            cls.env["payment.consent"]
            .with_user(cls.billing_user)
            .create({"token_id": cls.card.id, "method": "phone"})
        )

    def setUp(self):
        super().setUp()
        self.card_request = (
            self.env["payment.card.request"]
            .sudo()
            .create({"partner_id": self.customer.id, "company_id": self.company.id})
        )
        with self.mock_gateways():
            self.card_request.send_payment_link("sms")
        self.card_request = self.card_request.with_env(self.env)

    def _target_records(self):
        return {
            **super()._target_records(),
            "payment.card.request": self.card_request,
            "payment.consent": self.consent,
            "payment.token": self.card | self.other_card,
        }

    def _wizard_targets(self, model, wizard):
        if model == "payment.link.charge":
            return [wizard.create({"res_model": "account.move", "res_id": self.invoice.id})]
        return super()._wizard_targets(model, wizard)

    def test_every_public_method_has_a_line(self):
        self._check_every_public_method_has_a_line()

    @mute_logger(
        "odoo.models", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule"
    )
    def test_rights_matrix(self):
        self._check_rights_matrix()
