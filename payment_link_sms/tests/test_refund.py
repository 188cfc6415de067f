# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from ..models.account_move import AccountMove
from .common import PayPageCommon


@tagged("post_install", "-at_install")
class TestRefund(PayPageCommon):
    """``payment.link.action_refund``: refunds of a paid link through Odoo's refund flow, with
    ``payment_demo`` (which supports full and partial refunds and confirms them at once)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="refund_readonly_accountant",
            groups="account.group_account_readonly",
            company_id=cls.company.id,
        )

    def setUp(self):
        super().setUp()
        self.payment = self.pay()
        self.assertEqual(self.link.state, "paid")
        self.as_user = self.link.with_user(self.billing_user)

    def refunds(self):
        return self.env["payment.transaction"].search(
            [("source_transaction_id", "=", self.payment.id), ("operation", "=", "refund")]
        )

    def refunded_events(self):
        return self.link.event_ids.filtered(lambda event: event.event_type == "refunded")

    def assertRefused(self, message, amount=None, user=None, error=UserError):
        """The refund is refused with ``message``, and nothing is created."""
        link = self.link.with_user(user or self.billing_user)
        transactions = self.env["payment.transaction"].search_count([])
        events = self.env["payment.link.event"].search_count([])
        messages = self.invoice.message_ids
        with self.assertRaises(error) as caught:
            link.action_refund(amount=amount)
        self.assertEqual(str(caught.exception), message)
        self.assertEqual(self.env["payment.transaction"].search_count([]), transactions)
        self.assertEqual(self.env["payment.link.event"].search_count([]), events)
        self.assertEqual(self.invoice.message_ids, messages)

    def test_full_refund(self):
        self.assertEqual(self.link.amount_refundable, 1234.56)
        refund_id = self.as_user.action_refund()
        refund = self.refunds()
        self.assertEqual(refund.id, refund_id)
        self.assertEqual(refund.state, "done")
        self.assertAlmostEqual(refund.amount, -1234.56)
        self.assertEqual(refund.provider_id, self.demo_provider)
        self.assertEqual(self.link.amount_refunded, 1234.56)
        self.assertEqual(self.link.amount_refundable, 0.0)
        event = self.refunded_events()
        self.assertEqual(event.transaction_id, refund)
        self.assertEqual(event.user_id, self.billing_user)
        self.assertIn(refund.reference, event.reason)
        self.assertIn("1,234.56", event.reason)
        note = self.invoice.message_ids[0]
        self.assertIn("Refunded", note.body)
        self.assertIn(refund.reference, note.body)
        self.assertRefused(
            f"Nothing is left to refund on link {self.link.name}: $\xa01,234.56 paid, "
            "$\xa01,234.56 already refunded."
        )

    def test_partial_refunds(self):
        first = self.env["payment.transaction"].browse(
            self.as_user.action_refund(amount=200.0, reason="Late delivery")
        )
        self.assertEqual(first.state, "done")
        self.assertAlmostEqual(first.amount, -200.0)
        self.assertEqual(self.link.amount_refundable, 1034.56)
        self.assertIn("Late delivery", self.refunded_events().reason)
        self.assertRefused(
            f"At most $\xa01,034.56 can be refunded on link {self.link.name}: $\xa01,234.56 "
            "paid, $\xa0200.00 already refunded.",
            amount=1034.57,
        )
        second = self.as_user.action_refund(amount="34.56")
        self.assertAlmostEqual(self.env["payment.transaction"].browse(second).amount, -34.56)
        self.assertEqual(len(self.refunds()), 2)
        self.assertEqual(len(self.refunded_events()), 2)
        self.assertEqual(self.link.amount_refundable, 1000.0)
        # The rest, by default.
        self.as_user.action_refund()
        self.assertEqual(self.link.amount_refundable, 0.0)
        self.assertAlmostEqual(sum(self.refunds().mapped("amount")), -1234.56)

    def test_amount_must_be_positive(self):
        for amount in (0, -5.0, "nan", "abc"):
            with self.subTest(amount=amount):
                self.assertRefused("The amount to refund must be a positive amount.", amount)

    def test_unpaid_link_is_refused(self):
        invoice = self._create_posted_invoice(self.customer, 50.0)
        with self.mock_gateways():
            link = self.link_of(self.send_link(invoice)[0])
        with self.assertRaises(UserError) as caught:
            link.with_user(self.billing_user).action_refund()
        self.assertEqual(
            str(caught.exception), f"Link {link.name} is not paid: there is nothing to refund."
        )
        self.assertFalse(link.event_ids.filtered(lambda event: event.event_type == "refunded"))

    def test_link_paid_elsewhere_is_refused(self):
        invoice = self._create_posted_invoice(self.customer, 50.0)
        with self.mock_gateways():
            link = self.link_of(self.send_link(invoice)[0])
        link._mark_paid(reason="Paid at the counter")
        self.assertEqual(link.state, "paid")
        with self.assertRaises(UserError) as caught:
            link.with_user(self.billing_user).action_refund()
        self.assertEqual(
            str(caught.exception),
            f"Link {link.name} was not paid through the link (paid elsewhere): refund the "
            "customer where they paid.",
        )

    @contextmanager
    def _support(self, support):
        """The providers support refunds as ``support`` says ('none', 'full_only')."""

        def compute(providers):
            for provider in providers:
                provider.support_refund = support

        Provider = type(self.env["payment.provider"])  # the registry's class, demo's included
        with patch.object(Provider, "_compute_feature_support_fields", compute):
            self.demo_provider.invalidate_recordset(["support_refund"])
            yield
        self.demo_provider.invalidate_recordset(["support_refund"])

    def test_provider_without_refunds(self):
        with self._support("none"):
            self.assertRefused(
                f"{self.demo_provider.name} does not refund payments from Odoo: refund the "
                "customer from the provider's own dashboard."
            )

    def test_provider_with_full_refunds_only(self):
        with self._support("full_only"):
            self.assertRefused(
                f"{self.demo_provider.name} refunds only the whole payment ($\xa01,234.56), not "
                "a part of it.",
                amount=100.0,
            )
            refund_id = self.as_user.action_refund()
        self.assertAlmostEqual(self.env["payment.transaction"].browse(refund_id).amount, -1234.56)

    def test_document_refusal_hook(self):
        def refusal(document, link, amount):
            return f"{document.name} refuses {amount} on {link.name}"

        with patch.object(AccountMove, "_payment_link_refund_refusal", refusal, create=True):
            self.assertRefused(f"{self.invoice.name} refuses 10.0 on {self.link.name}", 10.0)

    def test_refunding_is_the_payment_link_group_right(self):
        """The rights check: a user who can read links (a read-only accountant) but is not in
        group_payment_link_user cannot refund."""
        self.assertFalse(self.accountant.has_group("payment_link_sms.group_payment_link_user"))
        self.assertTrue(self.link.with_user(self.accountant).read(["name"]))
        self.assertRefused(
            "You are not allowed to refund payment links.", user=self.accountant, error=AccessError
        )

    def test_refund_wizard(self):
        """The link form's Refund button opens the wizard: amount defaulting to what is left,
        a reason required; it refunds through ``action_refund``."""
        action = self.env.ref("payment_link_sms.action_payment_link_refund")
        arch = self.env["payment.link"].get_view(view_type="form")["arch"]
        self.assertIn(f'name="{action.id}"', arch)
        context = {"default_link_id": self.link.id}
        wizard_model = self.env["payment.link.refund"].with_user(self.billing_user)
        form = Form(wizard_model.with_context(context))
        self.assertEqual(form.amount, 1234.56)
        self.assertEqual(form.amount_refundable, 1234.56)
        with self.assertRaises(AssertionError):
            form.save()  # no reason
        form.amount = 100.0
        form.reason = "Gesture for the delay"
        result = form.save().action_refund()
        self.assertEqual(result["type"], "ir.actions.act_window_close")
        self.assertAlmostEqual(self.refunds().amount, -100.0)
        self.assertIn("Gesture for the delay", self.refunded_events().reason)
        self.assertEqual(Form(wizard_model.with_context(context)).amount, 1134.56)


@tagged("post_install", "-at_install")
class TestConcurrentRefunds(TransactionCase):
    """Two refunds of one link at the same instant, each in its own database transaction: the
    link's row is locked by the first, the second is refused at once with a clear message
    (not left to a unique constraint of Odoo's refund references)."""

    def test_a_refund_under_way_refuses_the_others(self):
        db = sql_db.db_connect(self.env.cr.dbname)
        with db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            link_id = (
                env["payment.link"]
                .create(
                    {
                        "partner_id": company.partner_id.id,
                        "company_id": company.id,
                        "currency_id": company.currency_id.id,
                        "expiration_date": fields.Datetime.now() + timedelta(days=1),
                        "channel": "sms",
                    }
                )
                .id
            )
            cr.commit()
        try:
            with db.cursor() as first, db.cursor() as second:
                # The first refund holds the link's row (as it does until its commit).
                first.execute("SELECT id FROM payment_link WHERE id = %s FOR UPDATE", [link_id])
                link = api.Environment(second, SUPERUSER_ID, {})["payment.link"].browse(link_id)
                with self.assertRaises(UserError) as caught:
                    link.action_refund()
                self.assertIn("is being refunded or paid right now", str(caught.exception))
                first.rollback()
                # Once the first one is over, the next one goes on to the link's own checks.
                with self.assertRaises(UserError) as caught:
                    link.action_refund()
                self.assertIn("is not paid", str(caught.exception))
                second.rollback()
        finally:
            with db.cursor() as cr:
                cr.execute("DELETE FROM payment_link WHERE id = %s", [link_id])
