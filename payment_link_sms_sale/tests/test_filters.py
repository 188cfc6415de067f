# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import PaymentLinkSaleCommon

SEARCH_VIEWS = (
    "sale.view_sales_order_filter",
    "sale.sale_order_view_search_inherit_quotation",
    "sale.sale_order_view_search_inherit_sale",
)


@tagged("post_install", "-at_install")
class TestOrderFilters(PaymentLinkSaleCommon):
    def setUp(self):
        super().setUp()
        self.orders = {}
        for name in ("sent", "opened", "expired", "paid", "paid_elsewhere", "changed"):
            self.orders[name] = self._create_booking()
            self.send_booking_link(self.orders[name])
            if name == "opened":
                self.open_page()
            elif name == "paid":
                self.pay("done")
        self.orders["no_link"] = self._create_booking()
        self.orders["expired"].payment_link_ids.action_expire()
        self.orders["changed"].order_line[:1].product_uom_qty = 5
        paid_elsewhere = self.orders["paid_elsewhere"]
        paid_elsewhere.payment_link_ids._mark_paid(reason="Paid at the counter")

    def filter_node(self, name, view="sale.view_sales_order_filter"):
        arch = self.env["sale.order"].get_view(self.env.ref(view).id, "search")["arch"]
        nodes = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")
        self.assertEqual(len(nodes), 1, f"filter {name} in {view}")
        return nodes[0]

    def search_filter(self, name):
        domain = safe_eval(self.filter_node(name).get("domain"))
        ids = [order.id for order in self.orders.values()]
        found = self.env["sale.order"].search([*domain, ("id", "in", ids)])
        return {key for key, order in self.orders.items() if order in found}

    def test_filters_find_the_right_orders(self):
        self.assertEqual(self.search_filter("payment_link_sent"), {"sent"})
        self.assertEqual(self.search_filter("payment_link_opened"), {"opened"})
        self.assertEqual(self.search_filter("payment_link_expired_unpaid"), {"expired"})
        self.assertEqual(self.search_filter("payment_link_paid"), {"paid"})

    def test_filters_are_on_quotations_and_orders(self):
        for view in SEARCH_VIEWS:
            for name in (
                "payment_link_sent",
                "payment_link_opened",
                "payment_link_expired_unpaid",
                "payment_link_paid",
                "filter_payment_link_sent_date",
                "filter_payment_link_paid_date",
                "group_by_payment_link_state",
            ):
                with self.subTest(view=view, name=name):
                    self.filter_node(name, view)

    def test_date_filters_search_the_sent_and_paid_dates(self):
        self.assertEqual(
            self.filter_node("filter_payment_link_sent_date").get("date"),
            "payment_link_sent_date",
        )
        self.assertEqual(
            self.filter_node("filter_payment_link_paid_date").get("date"),
            "payment_link_paid_date",
        )
        ids = [order.id for order in self.orders.values()]
        Order = self.env["sale.order"]
        an_hour_ago = fields.Datetime.now() - timedelta(hours=1)
        sent_recently = Order.search(
            [("payment_link_sent_date", ">=", an_hour_ago), ("id", "in", ids)]
        )
        self.assertEqual(len(sent_recently), 6, "every order with a link, whatever its state")
        paid_recently = Order.search(
            [("payment_link_paid_date", ">=", an_hour_ago), ("id", "in", ids)]
        )
        self.assertEqual(paid_recently, self.orders["paid"])
        self.assertEqual(
            self.orders["paid"].payment_link_paid_date,
            self.orders["paid"].payment_link_ids.paid_date,
        )
        # A link sent later moves the order's sent date.
        with freeze_time(fields.Datetime.now() + timedelta(days=3)):
            self.send_booking_link(self.orders["sent"])
        later = Order.search(
            [("payment_link_sent_date", ">=", an_hour_ago + timedelta(days=2)), ("id", "in", ids)]
        )
        self.assertEqual(later, self.orders["sent"])

    def test_latest_link_gives_the_state_of_the_order(self):
        order = self.orders["expired"]
        self.assertEqual(order.payment_link_state, "expired")
        self.send_booking_link(order)
        self.assertEqual(order.payment_link_state, "sent")
        self.assertEqual(order.payment_link_count, 2)
        self.assertEqual(self.search_filter("payment_link_expired_unpaid"), set())
