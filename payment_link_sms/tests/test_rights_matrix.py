# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rights matrix of the engine and its bridges: every method of theirs callable over RPC,
called by every role (the machinery: ``common_rights_matrix.py``; each concern addon has its
own matrix).

A new public method without its line in ``METHODS`` fails the first test; a line of ``POLICY``
says who may call it and why. Extend both tables (module level) when adding a public method.
"""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_rights_matrix import (
    BILLING,
    NO_ARGS,
    ROLES,
    SENDERS,
    RightsMatrixCase,
    _allow,
    _args,
)

# Every public method of our classes (model, method): its sample arguments, a function of the
# test returning ``(args, kwargs)`` (the records' ids are passed first, as RPC does).
METHODS = {
    # Payable documents (payment.link.mixin), on each document type.
    **{
        (model, method): NO_ARGS
        for model in (
            "payment.link.mixin",
            "account.move",
            "sale.order",
        )
        for method in (
            "action_send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
        )
    },
    **{
        (model, "send_payment_link"): _args("sms")
        for model in (
            "payment.link.mixin",
            "account.move",
            "sale.order",
        )
    },
    ("sale.order", "action_confirm_and_send_payment_link"): NO_ARGS,
    ("payment.link", "action_expire"): NO_ARGS,
    ("payment.link", "action_refund"): _args(amount=1.0, reason="matrix"),
    ("payment.link", "action_resend"): NO_ARGS,
    ("payment.link", "action_resend_dialog"): NO_ARGS,
    ("payment.link", "action_view_document"): NO_ARGS,
    ("payment.link", "get_payment_link_progress"): lambda test: (
        ["account.move", test.invoice.id],
        {},
    ),
    ("payment.link.api", "find_document"): lambda test: ([test.invoice.name], {}),
    ("payment.link.api", "find_link"): lambda test: ([test.invoice_link.name], {}),
    ("payment.link.api", "link_status"): lambda test: ([test.invoice_link.name], {}),
    ("payment.link.api", "list_links"): NO_ARGS,
    ("payment.link.refund", "action_refund"): NO_ARGS,
    ("payment.link.send", "action_send"): NO_ARGS,
    ("payment.link.send", "action_send_replace"): NO_ARGS,
    ("payment.link.send.job", "action_download_result"): NO_ARGS,
    ("payment.link.send.job", "action_refresh"): NO_ARGS,
}


# Who may call what, and why: one line per allowed (model, method, role), on records the role
# may read (a record it may not read is always refused). Anything not listed must be refused
# with an access error and write nothing.
POLICY = {
    # Invoices: billing users send, expire and resend.
    **_allow(
        "account.move",
        (
            "action_send_payment_link",
            "send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
        ),
        BILLING,
        "billing users send the links of the invoices they may change",
    ),
    # Orders (payment_link_sms_sale): salespeople and billing users send.
    **_allow(
        "sale.order",
        (
            "action_send_payment_link",
            "send_payment_link",
            "action_expire_payment_links",
            "action_resend_payment_link",
            "action_view_payment_links",
            "action_confirm_and_send_payment_link",
        ),
        ("salesperson", *BILLING),
        "salespeople and billing users send the links of the orders they may change",
    ),
    # Links: the senders who may read a link expire, resend, refund it (document rules apply).
    **_allow(
        "payment.link",
        ("action_expire", "action_resend", "action_resend_dialog", "action_view_document"),
        SENDERS,
        "senders act on the links they may read (the document's rules decide the rest)",
    ),
    **_allow(
        "payment.link",
        ("action_refund",),
        SENDERS,
        "refunds of paid links, checked by the provider, the document and the queue",
    ),
    **_allow(
        "payment.link",
        ("get_payment_link_progress",),
        ROLES,
        "read-only: answers {} unless the caller may read the record",
    ),
    # The API of remote clients: look-ups with the caller's own rights, read-only.
    **_allow(
        "payment.link.api",
        ("find_document", "find_link", "link_status", "list_links"),
        ROLES,
        "read-only look-ups searching with the caller's own rights",
    ),
    # Wizards: their creator (the wizard's rights) acts on the documents they may change.
    **_allow(
        "payment.link.send",
        ("action_send", "action_send_replace"),
        SENDERS,
        "the composer sends as the user: rights on each document checked by the send",
    ),
    **_allow(
        "payment.link.refund",
        ("action_refund",),
        SENDERS,
        "payment.link.action_refund, checked there",
    ),
    # Background sends: the sender reads their own jobs.
    **_allow(
        "payment.link.send.job",
        ("action_download_result", "action_refresh"),
        SENDERS,
        "the sender's own job (record rule), read-only actions",
    ),
}


@tagged("post_install", "-at_install")
class TestRightsMatrix(RightsMatrixCase):
    METHODS = METHODS
    POLICY = POLICY
    ADDONS = (
        "payment_link_sms",
        "payment_link_sms_sale",
        "payment_link_sms_stripe",
        "payment_link_sms_website",
    )

    def setUp(self):
        super().setUp()
        self.job = (
            self.env["payment.link.send.job"]
            .sudo()
            .create(
                {
                    "name": "Matrix job",
                    "user_id": self.billing_user.id,
                    "company_id": self.company.id,
                    "res_model": "account.move",
                    "channel": "sms",
                }
            )
        )

    def _target_records(self):
        return {
            **super()._target_records(),
            "payment.link.send.job": self.job,
        }

    def _wizard_targets(self, model, wizard):
        if model == "payment.link.refund":
            return [
                wizard.create({"link_id": self.invoice_link.id, "reason": "matrix", "amount": 1.0})
            ]
        return super()._wizard_targets(model, wizard)

    def test_every_public_method_has_a_line(self):
        self._check_every_public_method_has_a_line()

    @mute_logger(
        "odoo.models", "odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule"
    )
    def test_rights_matrix(self):
        self._check_rights_matrix()
