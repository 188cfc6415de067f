# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def send_statement_payment_link(self, channel, invoice_ids=None, phone=None, email=None):
        """Create a statement of the customer's open invoices and send its payment link.

        Nothing is created when the statement or its link is refused.

        :param str channel: 'sms', 'email' or 'both'.
        :param list invoice_ids: The invoices to ask (ids); None: all the customer's open
                                 invoices (in the currency of the oldest one due).
        :param str phone: Number to text instead of the customer's.
        :param str email: Address to email instead of the customer's.
        :return: ``{'statement_id', 'link_id', 'url', 'amount', 'invoice_ids', 'error'}``;
                 ``url`` is the full link, handed out only here and in the message itself.
        :raise UserError: No open invoice; invoices of several customers, companies or
                          currencies; an invoice not posted or already paid; the link refused
                          (no number, blacklisted...).
        :raise AccessError: The caller may not send statement links for this customer.
        """
        self.ensure_one()
        Statement = self.env["payment.link.statement"]
        # The rights first: the caller sends links, creates statements, reads the customer
        # and the invoices named (record rules apply: another company's are refused).
        Statement._paylink_check_caller("create")
        self.check_access("read")
        invoices = None
        if invoice_ids is not None:
            invoices = self.env["account.move"].browse(list(invoice_ids)).exists()
            if len(invoices) != len(set(invoice_ids)):
                raise Statement._statement_missing_invoice_error()
            invoices.check_access("read")
        with self.env.cr.savepoint():
            statement = Statement.create(Statement._statement_prepare_values(self, invoices))
            answer = statement.send_payment_link(channel, phone=phone, email=email)[0]
        return {
            "statement_id": statement.id,
            "link_id": answer["link_id"],
            "url": answer["url"],
            "amount": statement.amount,
            "invoice_ids": statement.invoice_ids.ids,
            "error": answer["error"],
            "expiration_date": answer["expiration_date"],
            "name": statement.name,
        }
