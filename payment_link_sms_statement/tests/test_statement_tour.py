# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import StatementCommon


@tagged("post_install", "-at_install")
class TestStatementTour(StatementCommon):
    """The customer's phone: a small touch screen."""

    browser_size = "390x844"
    touch_enabled = True

    def test_customer_chooses_pays_then_pays_the_rest_on_a_phone(self):
        statement, link, token = self.open_statement()
        self.start_tour(f"/pay/{token}", "payment_link_sms_statement_choice_tour")
        self.assertEqual(link.state, "paid")
        txs = link.transaction_ids.sorted("id")
        self.assertEqual(txs.mapped("amount"), [300.0, 300.0])
        self.assertEqual(txs[0].invoice_ids, self.inv_a | self.inv_b)
        self.assertEqual(txs[1].invoice_ids, self.inv_c)
        self.assertEqual(statement.state, "paid")
