# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import StatementCommon


@tagged("post_install", "-at_install")
class TestStatementSend(StatementCommon):
    def assertRefused(self, message, invoices=None, user=None, error=UserError, **kwargs):
        """The send is refused with ``message`` and creates nothing."""
        Statement = self.env["payment.link.statement"].sudo()
        Link = self.env["payment.link"].sudo()
        before = (Statement.search_count([]), Link.search_count([]))
        with self.assertRaises(error) as caught:
            self.send_statement(invoices, user=user, **kwargs)
        self.assertIn(message, str(caught.exception))
        self.assertEqual((Statement.search_count([]), Link.search_count([])), before)
        return caught.exception

    def test_send_all_open_invoices(self):
        self.invoice.button_draft()  # only the three invoices of the fixture left open
        answer = self.send_statement(False)
        statement = self.statement_of(answer)
        self.assertEqual(
            set(answer),
            {
                "statement_id",
                "link_id",
                "url",
                "amount",
                "invoice_ids",
                "error",
                "expiration_date",
                "name",
            },
        )
        self.assertFalse(answer["error"])
        self.assertEqual(answer["amount"], 600.0)
        self.assertEqual(answer["invoice_ids"], self.invoices.ids)  # oldest due first
        self.assertEqual(statement.amount, 600.0)
        self.assertEqual(statement.partner_id, self.customer)
        self.assertTrue(statement.name.startswith("ST/"))
        self.assertEqual(statement.state, "open")
        self.assertEqual(statement.payment_link_state, "sent")
        link = self.link_of(answer)
        self.assertEqual((link.res_model, link.res_id), (statement._name, statement.id))
        self.assertIn("/pay/", answer["url"])
        # The statement's own SMS, with the total.
        self.assertSMSIapSent(["+33612345678"], content="your open invoices (%s)" % statement.name)
        self.assertEqual(self.inv_a.payment_link_statement_id, statement)
        self.assertEqual(self.inv_a.payment_link_statement_state, "sent")

    def test_send_chosen_invoices_by_email(self):
        answer = self.send_statement(self.inv_b | self.inv_c, channel="email")
        self.assertEqual(answer["amount"], 500.0)
        statement = self.statement_of(answer)
        # The statement's mail, once (the mail queue may hold another test's committed ones).
        mails = [m for m in self._mails if statement.name in m["subject"]]
        self.assertEqual(len(mails), 1, [(m["email_to"], m["subject"]) for m in self._mails])
        self.assertIn("500,00", mails[0]["body"])

    def test_refused_no_open_invoice(self):
        partner = self.env["res.partner"].create({"name": "Nobody owes", "mobile": "0611111111"})
        Statement = self.env["payment.link.statement"]
        with self.assertRaisesRegex(UserError, "has no open invoice"), self.mock_gateways():
            partner.with_user(self.billing_user).send_statement_payment_link("sms")
        self.assertFalse(Statement.search([("partner_id", "=", partner.id)]))
        self.assertRefused("has no open invoice", invoices=self.env["account.move"])

    def test_refused_several_partners(self):
        other = self._create_posted_invoice(self.customer_en, 10.0)
        self.assertRefused("several customers", invoices=self.inv_a | other)

    def test_refused_invoices_of_another_customer(self):
        other = self._create_posted_invoice(self.customer_en, 10.0)
        self.assertRefused("several customers", invoices=other)

    def test_refused_several_companies(self):
        other_company = self.setup_other_company(name="Elsewhere")["company"]
        self.billing_user.company_ids |= other_company
        other = self._create_posted_invoice(self.customer, 10.0, company=other_company)
        self.assertRefused("one company", invoices=self.inv_a | other)

    def test_refused_several_currencies(self):
        code = "EUR" if self.company.currency_id.name != "EUR" else "USD"
        other_currency = self.setup_other_currency(code)
        other = self._create_posted_invoice(self.customer, 10.0, currency_id=other_currency.id)
        self.assertRefused("one currency", invoices=self.inv_a | other)

    def test_refused_invoice_not_posted(self):
        self.assertRefused("is not posted", invoices=self.inv_a | self.draft_invoice)

    def test_refused_invoice_already_paid(self):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.inv_a.ids
        ).create({})._create_payments()
        self.assertRefused("already paid", invoices=self.inv_a | self.inv_b)

    def test_refused_without_rights(self):
        outsider = new_test_user(self.env, login="outsider", groups="base.group_user")
        self.assertRefused("", invoices=self.inv_a, user=outsider, error=AccessError)
        portal = new_test_user(
            self.env, login="portal_c", groups="base.group_portal", partner_id=self.customer.id
        )
        self.assertRefused("", invoices=self.inv_a, user=portal, error=AccessError)

    def test_refused_when_the_link_is_refused(self):
        self.customer.mobile = False
        self.customer.phone = False
        self.assertRefused("", invoices=self.inv_a)

    def test_send_from_the_invoice_list(self):
        invoices = (self.inv_a | self.inv_c).with_user(self.billing_user)
        action = invoices.action_send_statement_payment_link()
        self.assertEqual(action["res_model"], "payment.link.send")
        statement = self.env["payment.link.statement"].browse(action["context"]["active_ids"])
        self.assertEqual(statement.invoice_ids, self.inv_a | self.inv_c)
        self.assertEqual(statement.state, "draft")
        with self.assertRaisesRegex(UserError, "several customers"):
            (self.inv_a | self._create_posted_invoice(self.customer_en, 5.0)).with_user(
                self.billing_user
            ).action_send_statement_payment_link()

    def test_customer_form_lists_open_invoices_and_total(self):
        form = Form(
            self.env["payment.link.statement"]
            .with_user(self.billing_user)
            .with_context(default_partner_id=self.customer.id)
        )
        self.assertEqual(set(form.invoice_ids.ids), set((self.invoices | self.invoice).ids))
        self.assertAlmostEqual(form.amount, 600.0 + 1234.56)
        statement = form.save()
        with self.mock_gateways():
            answer = statement.with_user(self.billing_user).send_payment_link("sms")[0]
        self.assertTrue(answer["link_id"])
        self.assertEqual(statement.state, "open")
