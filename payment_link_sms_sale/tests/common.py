# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import Form, new_test_user
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import PayPageCommon


class PaymentLinkSaleCommon(PayPageCommon):
    """Bookings of a tour operator taken on the phone: a tour with adult and child guests,
    a salesperson, and the pay page helpers of payment_link_sms (open_page, pay_rpc, pay)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.module.module"]._load_module_terms(
            ["payment_link_sms_sale", "sale"], ["fr_FR", "nb_NO", "es_ES"]
        )
        cls.company.partner_id.tz = "Europe/Paris"
        cls.salesperson = new_test_user(
            cls.env,
            login="sally_sales",
            name="Sally Sales",
            email="sally@yourcompany.example.com",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
        )
        cls.tour_adult = cls._create_product(
            name="Whale safari - adult", lst_price=100.0, taxes_id=[Command.clear()]
        )
        cls.tour_child = cls._create_product(
            name="Whale safari - child", lst_price=50.0, taxes_id=[Command.clear()]
        )
        # 2 adults and 2 children: 300.00, a 30% deposit of 90.00.
        cls.booking = cls._create_booking()

    def setUp(self):
        super().setUp()
        # These tests send their own links (send_booking_link), none for the invoice.
        self.link = self.env["payment.link"]
        self.token = None

    @classmethod
    def _create_booking(cls, partner=None, adults=2, children=2, **values):
        return cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "user_id": cls.salesperson.id,
                "commitment_date": "2026-12-15 08:30:00",
                "require_payment": False,
                "order_line": [
                    Command.create({"product_id": cls.tour_adult.id, "product_uom_qty": adults}),
                    Command.create({"product_id": cls.tour_child.id, "product_uom_qty": children}),
                ],
                **values,
            }
        )

    def open_wizard(self, orders, action=None):
        """The wizard as the user sees it, opened by ``action`` (the Send button's)."""
        action = action or orders.action_send_payment_link()
        return Form(self.env["payment.link.send"].with_context(**action["context"])).save()

    def send_booking_link(self, order=None, channel="sms", **kwargs):
        """Send a link for ``order`` (the booking by default) and keep it as the link the pay
        page helpers use."""
        order = self.booking if order is None else order
        with self.mock_gateways():
            answer = self.send_link(order, channel=channel, **kwargs)[0]
        self.link = self.link_of(answer)
        self.token = self.token_of(answer)
        return answer

    def set_automatic_invoice(self):
        self.env["ir.config_parameter"].sudo().set_param("sale.automatic_invoice", "True")

    def post_process(self, tx):
        """What /payment/status/poll does once the provider confirmed the payment."""
        with mute_logger("odoo.addons.sale.models.payment_transaction"):
            tx._post_process()

    def pay_elsewhere(self, order, amount):
        """A payment of the order that does not go through its link (Odoo's sale portal)."""
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.demo_provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                    "amount": amount,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_invoice_id.id,
                    "reference": f"{order.name}-portal-{amount}",
                    "sale_order_ids": [Command.set(order.ids)],
                }
            )
        )
        tx._set_done()
        return tx
