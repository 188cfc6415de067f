# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlencode

from freezegun import freeze_time

from odoo import fields
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .. import const
from ..models.payment_transaction import PaymentTransaction
from .common import PayPageCommon

NOT_OFFERED = "This payment method is not available for this payment"
SAVED_CARD = "Saved payment methods cannot be used through a payment link"
BAD_AMOUNT = "This amount is not valid"
# What the customer might send as an amount: none of it may crash a page or a route.
BAD_AMOUNTS = ("nan", "NaN", "inf", "-inf", "1e309", "-0", "1,5", "1_000", "9" * 10000, " ", "0x10")


class PaymentSafetyCommon(PayPageCommon):
    def setUp(self):
        super().setUp()
        # Refused payments are answered as JSON-RPC errors, which Odoo logs as warnings.
        self.enterContext(mute_logger("odoo.http"))

    def payload(self, **params):
        return {
            "access_token": self.token,
            "provider_id": self.demo_provider.id,
            "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
            "token_id": None,
            "amount": self.link._get_amount_due(),
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/pay/whatever",
            "is_validation": False,
            **params,
        }

    def assertRefused(self, message, **params):
        """The transaction route refuses ``params`` with ``message``, and creates nothing."""
        responses = []
        url_open = self.url_open

        def recording_url_open(*args, **kwargs):
            responses.append(url_open(*args, **kwargs))
            return responses[-1]

        before = self.link.transaction_ids
        with (
            patch.object(self, "url_open", recording_url_open),
            self.assertRaises(JsonRpcException) as caught,
        ):
            self.make_jsonrpc_request("/pay/transaction", self.payload(**params))
        self.assertEqual(str(caught.exception), "odoo.exceptions.ValidationError")
        self.assertIn(message, responses[0].json()["error"]["data"]["message"])
        self.link.invalidate_recordset(["transaction_ids"])
        self.assertEqual(self.link.transaction_ids, before, "no transaction created")

    def start(self, **params):
        """Start an attempt through the route; return its transaction."""
        result = self.make_jsonrpc_request("/pay/transaction", self.payload(**params))
        return self.env["payment.transaction"].search([("reference", "=", result["reference"])])

    def complete(self, tx, state="done"):
        """The provider's notification, then its queued notes (as the queue's scheduled action
        posts them right after the commit: see TestPaymentNotifyQueue)."""
        tx._handle_notification_data(
            "demo", {"reference": tx.reference, "payment_details": "4242", "simulated_state": state}
        )
        self.env["payment.link.notification"]._cron_notify()

    def activities(self, record=None):
        record = record or self.invoice
        return self.env["mail.activity"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)]
        )


@tagged("post_install", "-at_install")
class TestPaymentChoice(PaymentSafetyCommon):
    """Only a provider and a payment method that the page offered for this link."""

    def test_offered_provider_is_accepted(self):
        tx = self.start()
        self.assertEqual(tx.provider_id, self.demo_provider)

    def test_unpublished_provider_is_refused(self):
        provider = self.env["payment.provider"].create(
            {
                "name": "Unpublished card provider",
                "state": "enabled",
                "is_published": False,
                "company_id": self.company.id,
                "payment_method_ids": [
                    (6, 0, self.env.ref("payment_demo.payment_method_demo").ids)
                ],
            }
        )
        self.assertRefused(NOT_OFFERED, provider_id=provider.id)

    def test_disabled_provider_is_refused(self):
        provider = self.demo_provider.copy({"name": "Disabled demo"})
        provider.write(
            {
                "state": "disabled",
                "is_published": True,
                "payment_method_ids": self.demo_provider.payment_method_ids.ids,
            }
        )
        self.assertRefused(NOT_OFFERED, provider_id=provider.id)

    def test_test_mode_provider_is_refused_unless_the_company_accepts_test_payments(self):
        self.company.payment_link_allow_test_providers = False
        page = self.open_page().text
        self.assertNotIn(f'data-provider-id="{self.demo_provider.id}"', page)
        self.assertRefused(NOT_OFFERED)
        self.company.payment_link_allow_test_providers = True
        self.assertIn(f'data-provider-id="{self.demo_provider.id}"', self.open_page().text)
        self.assertTrue(self.start())

    def test_provider_of_another_company_is_refused(self):
        other = self.setup_other_company(name="Other Towing Co")["company"]
        other_provider = self._prepare_demo_provider(other)
        self.assertRefused(NOT_OFFERED, provider_id=other_provider.id)

    def test_installed_but_unpublished_demo_provider_is_refused(self):
        self.demo_provider.is_published = False
        self.assertNotIn(f'data-provider-id="{self.demo_provider.id}"', self.open_page().text)
        self.assertRefused(NOT_OFFERED)

    def test_payment_method_of_another_provider_is_refused(self):
        self.assertRefused(
            NOT_OFFERED, payment_method_id=self.env.ref("payment.payment_method_unknown").id
        )
        self.assertRefused(NOT_OFFERED, provider_id="1", payment_method_id=None)

    def test_saved_card_is_never_offered_nor_charged(self):
        token = self.env["payment.token"].create(
            {
                "provider_id": self.demo_provider.id,
                "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
                "partner_id": self.customer.id,
                "payment_details": "9876",
                "provider_ref": "demo-token",
            }
        )
        page = self.open_page().text
        self.assertNotIn("9876", page)
        self.assertNotIn(f'data-payment-option-id="{token.id}"', page)
        self.assertRefused(SAVED_CARD, flow="token", token_id=token.id)
        self.assertRefused(SAVED_CARD, token_id=token.id)
        self.assertFalse(token.transaction_ids)


@tagged("post_install", "-at_install")
class TestBadAmounts(PaymentSafetyCommon):
    def test_page_shows_the_amount_due_for_any_amount(self):
        for allow_partial in (False, True):
            self.company.payment_link_allow_partial = allow_partial
            for amount in BAD_AMOUNTS:
                with self.subTest(amount=amount[:10], allow_partial=allow_partial):
                    query = urlencode({"amount": amount})
                    response = self.url_open(f"/pay/{self.token}?{query}")
                    self.assertEqual(response.status_code, 200)
                    self.assertIn("1,234.56", response.text)

    def test_transaction_route_refuses_any_bad_amount_clearly(self):
        self.company.payment_link_allow_partial = True
        junk = [amount for amount in BAD_AMOUNTS if amount != "-0"]
        for amount in (*junk, float("nan"), float("inf"), 1e300, True, [1], {"a": 1}):
            with self.subTest(amount=str(amount)[:10]):
                self.assertRefused(BAD_AMOUNT, amount=amount)
        for amount in ("-0", -0.0, 0):
            with self.subTest(amount=amount):
                self.assertRefused("The amount due is now", amount=amount)

    def test_parameters_are_checked_before_any_attempt_is_touched(self):
        first = self.start()
        with patch.object(
            PaymentTransaction, "_payment_link_replaceable", lambda txs: txs
        ) as _replaceable:
            self.assertRefused(BAD_AMOUNT, amount="nan")
            self.assertRefused(NOT_OFFERED, provider_id=0)
            self.assertRefused(SAVED_CARD, flow="token")
            with self.assertRaises(JsonRpcException):
                self.make_jsonrpc_request("/pay/transaction", self.payload(partner_id=1))
            self.assertRefused("not whitelisted: reference_prefix", reference_prefix="EVIL")
        self.assertEqual(first.state, "draft", "the attempt in progress was left alone")

    def test_parameters_outside_odoo_whitelist_are_refused(self):
        # Odoo's kwargs validation of transaction routes: a key that is not a payment form's
        # could be injected in the transaction's create values.
        for key, value in (("reference_prefix", "EVIL"), ("custom_field", 1)):
            with self.subTest(key=key):
                self.assertRefused(
                    f"The following kwargs are not whitelisted: {key}", **{key: value}
                )

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_a_payment_left_pending_for_days_does_not_block_the_link(self):
        pending = self.start()
        self.complete(pending, "pending")
        self.assertRefused("already in progress")
        later = fields.Datetime.now() + timedelta(days=const.PENDING_BLOCK_DAYS, hours=1)
        with freeze_time(later):
            second = self.start()
        self.assertEqual(pending.state, "pending", "left open: its money may still come")
        self.complete(second)
        self.assertEqual(self.link.paid_transaction_id, second)
        # The wire transfer arrives after all: recorded, and refunded (a payment too many).
        self.complete(pending)
        self.assertEqual(pending.state, "done")
        self.assertEqual(pending.payment_link_outcome, "paid_twice")


@tagged("post_install", "-at_install")
class TestCapturedPaymentsAreNeverIgnored(PaymentSafetyCommon):
    def test_first_completed_attempt_pays_and_a_later_one_is_refunded(self):
        first, second = self.start(), self.start()
        self.assertEqual((first.state, second.state), ("draft", "draft"), "none cancelled")
        self.complete(first)
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.link.paid_transaction_id, first)
        self.complete(second)
        self.assertEqual(second.state, "done", "the provider's confirmation is never dropped")
        self.assertEqual(second.payment_link_outcome, "paid_twice")
        self.assertFalse(second.invoice_ids, "not applied to the invoice")
        self.assertEqual(self.link.paid_transaction_id, first)
        self.assertAlmostEqual(self.link.amount_paid, 1234.56)
        twice = self.link.event_ids.filtered(lambda e: e.event_type == "paid_twice")
        self.assertEqual(twice.transaction_id, second)
        (first | second)._post_process()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        refund = second.child_transaction_ids.filtered(lambda tx: tx.operation == "refund")
        self.assertEqual(refund.state, "done")
        self.assertAlmostEqual(refund.amount, -1234.56)
        refunded = self.link.event_ids.filtered(lambda e: e.event_type == "refunded")
        self.assertEqual(refunded.transaction_id, refund)
        second._post_process()  # a second post-processing refunds nothing more
        self.assertEqual(len(second.child_transaction_ids), 1)
        self.assertFalse(self.activities())

    def test_a_later_completion_without_refunds_is_flagged_to_the_salesperson(self):
        first, second = self.start(), self.start()
        self.complete(first)
        with patch.object(PaymentTransaction, "_payment_link_can_refund", lambda tx: False):
            self.complete(second)
            (first | second)._post_process()
        self.assertFalse(second.child_transaction_ids)
        activity = self.activities()
        self.assertEqual(activity.user_id, self.billing_user)
        self.assertIn(second.reference, activity.note)


@tagged("post_install", "-at_install")
class TestMoneyAfterTheLinkClosed(PaymentSafetyCommon):
    def assertPaidAfterClose(self, tx, link=None):
        link = link or self.link
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_link_outcome, "paid_after_close")
        self.assertTrue(link.paid_after_close)
        self.assertNotEqual(link.state, "paid")
        event = link.event_ids.filtered(lambda e: e.event_type == "paid_after_close")
        self.assertEqual(event.transaction_id, tx)
        activity = self.activities()
        self.assertEqual(activity.user_id, self.billing_user)
        self.assertIn(tx.reference, activity.note)
        tx._post_process()
        self.assertTrue(tx.payment_id, "the money is recorded")
        self.assertFalse(tx.payment_id.reconciled_invoice_ids, "left as the customer's credit")
        self.assertFalse(
            self.invoice.message_ids.filtered(lambda m: m.subject and "paid" in m.subject),
            "no 'paid' notification",
        )

    def test_payment_after_expire_link(self):
        tx = self.start()
        self.link.action_expire()
        self.assertEqual(tx.state, "draft", "the demo provider cannot cancel it: left open")
        self.complete(tx)
        self.assertEqual(self.link.state, "expired")
        self.assertPaidAfterClose(tx)
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_payment_after_the_validity_ended(self):
        tx = self.start()
        with freeze_time(self.link.expiration_date + timedelta(minutes=1)):
            self.complete(tx)
        self.assertPaidAfterClose(tx)

    def test_payment_after_a_resend(self):
        tx = self.start()
        with self.mock_gateways():
            new_link = self.env["payment.link"].browse(self.link.action_resend())
        self.complete(tx)
        self.assertPaidAfterClose(tx)
        self.assertEqual(new_link.state, "sent", "the new link is still to pay")

    def test_payment_after_the_invoice_was_reset_to_draft(self):
        tx = self.start()
        self.invoice.button_draft()
        self.assertEqual(self.link.state, "cancelled")
        self.complete(tx)
        self.assertPaidAfterClose(tx)
        self.assertEqual(self.invoice.state, "draft", "never posted because of the payment")


@tagged("post_install", "-at_install")
class TestPartialPayments(PaymentSafetyCommon):
    def setUp(self):
        super().setUp()
        self.company.payment_link_allow_partial = True
        self.link.sudo().sender_id = self.billing_user
        self.invoice.invoice_user_id = self.billing_user

    def notes(self):
        return self.invoice.message_ids.filtered(
            lambda m: m.subject and self.billing_user.partner_id in m.partner_ids
        )

    def test_a_partly_paid_link_stays_usable_for_the_rest(self):
        tx = self.start(amount="300")
        self.complete(tx)
        self.assertEqual(tx.payment_link_outcome, "partly_paid")
        self.assertIn(self.link.state, ("sent", "opened"), "usable for the rest")
        self.assertTrue(self.link.is_partly_paid)
        self.assertAlmostEqual(self.link.amount_paid, 300.0)
        self.assertFalse(self.link.paid_transaction_id)
        note = self.notes()[:1]
        self.assertIn("partly paid", note.subject)
        self.assertIn("300.00", note.body)
        self.assertNotIn("1,234.56", note.body)
        # Before and after Odoo reconciled the payment, the page shows what was paid and what
        # remains.
        for step in ("confirmed", "reconciled"):
            with self.subTest(step=step):
                if step == "reconciled":
                    tx._post_process()
                    self.assertEqual(self.invoice.payment_state, "partial")
                page = self.open_page().text
                self.assertIn("Already paid", page)
                self.assertIn("300.00", page)
                self.assertIn("934.56", page)
                self.assertAlmostEqual(self.link._get_amount_due(), 934.56)
        # Filters and the analysis: partly paid, not paid.
        Move, Link = self.env["account.move"], self.env["payment.link"]
        this_invoice = [("id", "=", self.invoice.id)]
        self.assertTrue(Move.search([*this_invoice, ("payment_link_partly_paid", "=", True)]))
        self.assertFalse(Move.search([*this_invoice, ("payment_link_paid_date", "!=", False)]))
        self.assertEqual(Link.search([("is_partly_paid", "=", True)]), self.link)
        self.assertEqual(self.link.conversion_rate, 0.0)
        # The rest pays the link.
        rest = self.start(amount="934.56")
        self.complete(rest)
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.link.paid_transaction_id, rest)
        self.assertAlmostEqual(self.link.amount_paid, 1234.56)
        self.assertFalse(self.link.is_partly_paid)
        self.assertEqual(self.link.conversion_rate, 100.0)
        self.assertIn("1,234.56", self.notes()[:1].body)
        self.assertTrue(Move.search([*this_invoice, ("payment_link_paid_date", "!=", False)]))

    def test_a_partly_paid_link_that_expires_is_not_expired_unpaid(self):
        self.complete(self.start(amount="300"))
        self.link.action_expire()
        self.assertFalse(self.link.is_partly_paid)
        expired_unpaid = self.env["payment.link"].search(
            [("state", "=", "expired"), ("amount_paid", "=", 0)]
        )
        self.assertNotIn(self.link, expired_unpaid)
        self.assertAlmostEqual(self.link.amount_paid, 300.0)
