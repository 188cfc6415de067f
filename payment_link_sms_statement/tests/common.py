# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.payment_link_sms.tests.common import PayPageCommon


class StatementCommon(PayPageCommon):
    """A customer with three open invoices (due oldest first: A, B, C), one paid, one draft,
    and the demo provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.payment_link_statement_allow_choice = True
        cls.inv_a = cls._create_posted_invoice(
            cls.customer, 100.0, invoice_date="2026-09-01", invoice_date_due="2026-09-30"
        )
        cls.inv_b = cls._create_posted_invoice(
            cls.customer, 200.0, invoice_date="2026-10-01", invoice_date_due="2026-10-31"
        )
        cls.inv_c = cls._create_posted_invoice(
            cls.customer, 300.0, invoice_date="2026-11-01", invoice_date_due="2099-11-30"
        )
        cls.draft_invoice = cls._create_posted_invoice(cls.customer, 50.0, post=False)
        # The engine's fixture invoice of the customer (1,234.56) stays out of the statements
        # of these tests: they name their invoices.
        cls.invoices = cls.inv_a | cls.inv_b | cls.inv_c

    def send_statement(self, invoices=None, channel="sms", user=None, **kwargs):
        partner = self.customer.with_user(user or self.billing_user)
        if invoices is None:
            invoices = self.invoices
        ids = None if invoices is False else invoices.ids
        with self.mock_gateways():
            answer = partner.send_statement_payment_link(channel, invoice_ids=ids, **kwargs)
            self.process_outboxes()
        return answer

    def statement_of(self, answer):
        return self.env["payment.link.statement"].browse(answer["statement_id"])

    def open_statement(self, invoices=None):
        """Send a statement; return ``(statement, link, token)`` (its page in English)."""
        answer = self.send_statement(invoices)
        link = self.link_of(answer)
        link.sudo().lang = "en_US"
        return self.statement_of(answer), link, self.token_of(answer)
