# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The desk's rights matrix: every public method of desk requests and of the desk's entry
points, called over RPC by every role (the machinery and its rules:
``payment_link_sms/tests/rights_matrix.py``). Extend both tables when adding a public method."""

from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.payment_link_sms.tests.common import PaymentLinkCommon
from odoo.addons.payment_link_sms.tests.rights_matrix import (
    NO_ARGS,
    RightsMatrixMixin,
    allow,
    args_of,
)

from .common import client_card

ROLES = ("public", "portal", "other_company", "agent", "salesperson", "billing", "billing_admin")
# The user of another company is a billing user and a desk agent there: on its own company's
# requests it may what they may; on ours, nothing (the records it may not read are refused).
DESK = ("agent", "billing_admin", "other_company")

# The card-on-file methods of the documents, when an addon charging cards is installed.
CARD_METHODS = ("action_charge_card_on_file", "charge_card_on_file")

METHODS = {
    **{
        ("payment.request", method): NO_ARGS
        for method in (
            "action_send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
            "action_charge_card_on_file",
            "action_cancel",
            "action_discard",
            "action_generate_payment_link",
        )
    },
    ("payment.request", "send_payment_link"): args_of("sms"),
    ("payment.request", "charge_card_on_file"): lambda test: (
        [],
        {"token_id": test.card.id, "amount": 5},
    ),
    ("payment.link", "create_payment_request"): lambda test: (
        [{"partner_id": test.customer.id, "amount": 12.0, "channel": "sms"}],
        {},
    ),
    ("payment.link.api", "create_request"): lambda test: ([test.customer.id, 12.0], {}),
    ("payment.request", "get_empty_list_help"): args_of("<p>Ask a client for a payment</p>"),
}

# Desk requests: agents of the request's queue and billing administrators (request managers)
# send and cancel; nobody charges a card on a desk request (no charge policy).
POLICY = {
    **allow(
        "payment.request",
        (
            "action_send_payment_link",
            "send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
            "action_cancel",
            "action_discard",
            "action_generate_payment_link",
        ),
        DESK,
        "desk agents work the requests of their queues (queue rules on every send); "
        "billing administrators manage every request",
    ),
    **allow(
        "payment.link",
        ("create_payment_request",),
        DESK,
        "desk agents create requests in their queues (membership checked)",
    ),
    **allow(
        "payment.link.api",
        ("create_request",),
        DESK,
        "create_payment_request with names resolved (membership checked)",
    ),
    **allow(
        "payment.request",
        ("get_empty_list_help",),
        ROLES,
        "read-only: Odoo's empty-view help, which says whether the caller has a queue only",
    ),
}


@tagged("post_install", "-at_install")
class TestRightsMatrix(RightsMatrixMixin, PaymentLinkCommon):
    ADDON = "payment_link_sms_desk"
    ROLES = ROLES
    POLICY = POLICY

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Request = cls.env["payment.request"]
        # Without an addon charging cards, the documents have no card-on-file methods.
        cls.METHODS = {
            key: value
            for key, value in METHODS.items()
            if key[1] not in CARD_METHODS or hasattr(Request, key[1])
        }
        cls.other_company = cls.setup_other_company(name="Other Towing Co")["company"]
        cls.other_provider = cls._prepare_demo_provider(cls.other_company)
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        agent_group = "payment_link_sms_desk.group_payment_request_agent"
        cls.users = {
            "public": cls.env.ref("base.public_user"),
            "portal": new_test_user(
                cls.env, login="rm_portal", groups="base.group_portal", partner_id=cls.customer.id
            ),
            "other_company": new_test_user(
                cls.env,
                login="rm_other",
                groups=f"account.group_account_invoice,{agent_group}",
                company_id=cls.other_company.id,
                company_ids=[Command.set(cls.other_company.ids)],
            ),
            "agent": new_test_user(cls.env, login="rm_agent", groups=agent_group, **company),
            "billing": cls.billing_user,
            "billing_admin": new_test_user(
                cls.env, login="rm_admin", groups="account.group_account_manager", **company
            ),
        }
        if "sale.order" in cls.env:
            cls.users["salesperson"] = new_test_user(
                cls.env, login="rm_sales", groups="sales_team.group_sale_salesman", **company
            )
        cls.queue = cls.env["payment.link.queue"].create(
            {
                "name": "Matrix desk",
                "company_id": cls.company.id,
                "provider_ids": [Command.set(cls.demo_provider.ids)],
                "user_ids": [Command.set(cls.users["agent"].ids)],
            }
        )
        cls.other_queue = cls.env["payment.link.queue"].create(
            {
                "name": "Other desk",
                "company_id": cls.other_company.id,
                "provider_ids": [Command.set(cls.other_provider.ids)],
                "user_ids": [Command.set(cls.users["other_company"].ids)],
            }
        )
        cls.other_customer = cls.customer.copy({"company_id": cls.other_company.id})
        cls.card = client_card(cls.env, cls.customer, cls.demo_provider)

    def setUp(self):
        super().setUp()
        Request = self.env["payment.request"]
        self.request = Request.create(
            {
                "reference": "matrix",
                "partner_id": self.customer.id,
                "amount": 80.0,
                "queue_id": self.queue.id,
                "send_sms": True,
            }
        )
        self.other_request = Request.create(
            {
                "reference": "matrix elsewhere",
                "partner_id": self.other_customer.id,
                "amount": 90.0,
                "company_id": self.other_company.id,
                "currency_id": self.other_company.currency_id.id,
                "queue_id": self.other_queue.id,
                "send_sms": True,
            }
        )
        with self.mock_gateways():
            self.request.sudo().send_payment_link("sms")

    def _targets(self, model, role):
        """The records of ``model`` the call is tried on: some the role may read, some not."""
        return list({"payment.request": self.request | self.other_request}[model])

    def test_every_public_method_has_a_line(self):
        self.check_every_public_method_has_a_line()

    def test_rights_matrix(self):
        self.check_rights_matrix()
