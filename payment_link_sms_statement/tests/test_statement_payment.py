# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import DUE

from .common import StatementCommon


@tagged("post_install", "-at_install")
class TestStatementPayment(StatementCommon):
    def register_payment(self, invoices, amount=None):
        values = {"amount": amount} if amount else {}
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create(values)._create_payments()

    def choose(self, token, invoices, csrf=None):
        if not csrf:
            page = self.open_page(token)
            csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
        return self.url_open(
            "/pay/statement/choose",
            data={"csrf_token": csrf, "access_token": token, "invoice_ids": invoices.ids},
            allow_redirects=False,
        )

    def test_page_lists_the_invoices_and_the_total(self):
        _statement, _link, token = self.open_statement()
        page = self.open_page(token)
        self.assertEqual(page.status_code, 200)
        for invoice in self.invoices:
            self.assertIn(invoice.name, page.text)
        # A and B are past due (the test runs after November 2026), C is not.
        self.assertEqual(page.text.count("o_payment_link_overdue"), 2)
        self.assertIn("600.00", page.text)
        self.assertEqual(page.text.count('name="invoice_ids"'), 3)
        self.assertEqual(page.text.count('checked="checked"'), 3, "all ticked by default")

    def test_pay_all_in_one_transaction_reconciled_with_the_invoices(self):
        statement, link, token = self.open_statement()
        tx = self.pay("done", token=token)
        self.assertEqual(tx.invoice_ids, self.invoices)
        self.assertAlmostEqual(tx.amount, 600.0)
        self.assertEqual(link.state, "paid")
        tx._post_process()
        self.assertEqual(len(tx.payment_id), 1)
        for invoice in self.invoices:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(statement.invoice_ids)
        self.assertEqual(statement.state, "paid")
        self.assertEqual(statement.origin_invoice_ids, self.invoices)
        receipt = self.url_open(tx.landing_route)
        self.assertIn("Payment received", receipt.text)
        self.assertIn("o_payment_link_statement_allocation", receipt.text)
        self.assertNotIn("o_payment_link_statement_partial", receipt.text)

    @mute_logger("odoo.http")
    def test_customer_chooses_the_invoices_amount_from_the_server(self):
        statement, link, token = self.open_statement()
        answer = self.choose(token, self.inv_b)
        self.assertEqual(answer.status_code, 303)
        self.assertEqual(statement.chosen_invoice_ids, self.inv_b)
        page = self.open_page(token)
        self.assertEqual(page.text.count('checked="checked"'), 1)
        self.assertEqual(link._get_amount_due(), 200.0)
        self.pay_refused(DUE, token=token, amount=600.0)
        tx = self.pay("done", token=token)
        self.assertEqual(tx.invoice_ids, self.inv_b)
        self.assertAlmostEqual(tx.amount, 200.0)
        self.assertEqual(tx.payment_link_outcome, "partly_paid")
        self.assertTrue(link.is_live, "the link stays live for the other invoices")
        tx._post_process()
        self.assertIn(self.inv_b.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.inv_a.payment_state, "not_paid")
        self.assertEqual(statement.invoice_ids, self.inv_a | self.inv_c)
        self.assertFalse(statement.chosen_invoice_ids)
        self.assertAlmostEqual(statement.amount, 400.0)
        self.assertEqual(link._get_amount_due(), 400.0)

    def test_choice_of_another_invoice_is_refused(self):
        statement, _link, token = self.open_statement(self.inv_a | self.inv_b)
        page = self.open_page(token)
        csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
        answer = self.choose(token, self.inv_c, csrf=csrf)
        self.assertIn("choice=empty", answer.headers["Location"])
        self.assertFalse(statement.chosen_invoice_ids)
        statement.allow_choice = False
        self.choose(token, self.inv_a, csrf=csrf)
        self.assertFalse(statement.chosen_invoice_ids)

    def test_partial_amount_goes_to_the_invoices_due_first(self):
        self.company.payment_link_allow_partial = True
        statement, link, token = self.open_statement()
        tx = self.pay("done", token=token, amount=250.0)
        self.assertEqual(tx.invoice_ids, self.invoices)
        self.assertEqual(tx.payment_link_outcome, "partly_paid")
        tx._post_process()
        self.assertIn(self.inv_a.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.inv_b.payment_state, "partial")
        self.assertAlmostEqual(self.inv_b.amount_residual, 50.0)
        self.assertAlmostEqual(self.inv_c.amount_residual, 300.0)
        self.assertAlmostEqual(statement.amount, 350.0)
        self.assertTrue(link.is_live)
        landing = self.url_open(tx.landing_route)
        self.assertIn("o_payment_link_statement_partial", landing.text)
        self.assertIn("applied to the invoices due first", landing.text)

    def test_paid_elsewhere_leaves_the_statement_then_closes_it(self):
        statement, link, token = self.open_statement()
        self.register_payment(self.inv_a)
        self.assertEqual(statement.invoice_ids, self.inv_b | self.inv_c)
        self.assertAlmostEqual(statement.amount, 500.0)
        page = self.open_page(token)
        self.assertNotIn(self.inv_a.name, page.text)
        self.assertIn("500.00", page.text)
        self.register_payment(self.inv_b | self.inv_c)
        self.assertFalse(statement.invoice_ids)
        self.assertEqual(statement.state, "closed")
        self.assertEqual(link.state, "paid")
        self.assertFalse(link.paid_transaction_id)

    def test_reset_to_draft_or_reversed_elsewhere_leaves_the_statement(self):
        statement, link, _token = self.open_statement()
        self.inv_a.button_draft()
        self.assertEqual(statement.invoice_ids, self.inv_b | self.inv_c)
        self.inv_b._reverse_moves(cancel=True)
        self.assertEqual(statement.invoice_ids, self.inv_c)
        self.assertAlmostEqual(statement.amount, 300.0)
        self.inv_c.button_draft()
        self.assertEqual(link.state, "cancelled", "nothing paid: the link is voided")
        self.assertEqual(statement.state, "closed")

    @mute_logger("odoo.addons.payment_link_sms.models.payment_transaction")
    def test_money_after_close_is_recorded_and_refunded(self):
        statement, link, token = self.open_statement(self.inv_b | self.inv_c)
        started = self.pay_rpc(token=token)
        self.register_payment(self.inv_b | self.inv_c)
        self.assertEqual(statement.state, "closed")
        tx = self.demo_answers(started, "done")
        self.assertEqual(tx.state, "done", "the money is recorded, never lost")
        self.assertEqual(tx.payment_link_outcome, "paid_twice")
        self.assertFalse(tx.invoice_ids, "never applied to an invoice")
        tx._post_process()
        refunds = tx.child_transaction_ids.filtered(lambda t: t.operation == "refund")
        self.assertEqual(len(refunds), 1)
        self.assertIn("paid_twice", link.event_ids.mapped("event_type"))


@tagged("post_install", "-at_install")
class TestStatementConcurrency(StatementCommon):
    """A statement and an invoice's own link live at once never both collect the invoice."""

    def test_invoice_link_paid_first_then_statement_payment_is_paid_twice(self):
        statement, st_link, st_token = self.open_statement()
        started = self.pay_rpc(token=st_token)
        with self.mock_gateways():
            own = self.send_link(self.inv_a)[0]
        self.pay("done", token=self.token_of(own))._post_process()
        self.assertIn(self.inv_a.payment_state, ("paid", "in_payment"))
        self.assertEqual(statement.invoice_ids, self.inv_b | self.inv_c)
        tx = self.demo_answers(started, "done")
        self.assertEqual(tx.payment_link_outcome, "paid_twice")
        self.assertFalse(tx.invoice_ids, "never applied silently to another invoice")
        tx._post_process()
        self.assertEqual(self.inv_b.payment_state, "not_paid")
        self.assertEqual(self.inv_c.payment_state, "not_paid")
        self.assertTrue(tx.child_transaction_ids.filtered(lambda t: t.operation == "refund"))
        self.assertTrue(st_link.is_live, "the statement stays payable for B and C")
        self.assertAlmostEqual(st_link._get_amount_due(), 500.0)

    def test_statement_paid_first_then_invoice_link_payment_is_paid_twice(self):
        with self.mock_gateways():
            own = self.send_link(self.inv_a)[0]
        started = self.pay_rpc(token=self.token_of(own))
        _statement, _st_link, st_token = self.open_statement()
        self.pay("done", token=st_token)._post_process()
        tx = self.demo_answers(started, "done")
        self.assertEqual(tx.payment_link_outcome, "paid_twice")
        self.assertFalse(tx.invoice_ids)
        tx._post_process()
        self.assertTrue(tx.child_transaction_ids.filtered(lambda t: t.operation == "refund"))
