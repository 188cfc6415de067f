# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The order form shows the engine's status widget and filters, as the invoice does (issue 21
item 5): same badge, same actions for the same link, same filters."""

from lxml import etree

from odoo.tests import tagged

from .common import PaymentLinkSaleCommon

COPIED_BUTTONS = (
    "action_send_payment_link",
    "action_resend_payment_link",
    "action_expire_payment_links",
)


@tagged("post_install", "-at_install")
class TestOrderStatusWidget(PaymentLinkSaleCommon):
    def status(self, document):
        document.invalidate_recordset()
        return document.payment_link_status or {}

    def actions(self, document):
        return [action["name"] for action in self.status(document).get("actions", [])]

    def link_filters(self, model, view_xmlid):
        view = self.env.ref(view_xmlid)
        arch = self.env[model].get_views([(view.id, "search")])["views"]["search"]["arch"]
        return {
            node.get("name"): (node.get("string"), node.get("help"), node.get("date"))
            for node in etree.fromstring(arch).xpath("//filter")
            # The link filters of the mixin (an addon may add its own to one model: the
            # statements' on invoices).
            if "payment_link" in node.get("name", "") and "statement" not in node.get("name")
        }

    def test_the_order_form_uses_the_widget_not_copied_buttons(self):
        arch = self.env["sale.order"].get_views([(False, "form")])["views"]["form"]["arch"]
        tree = etree.fromstring(arch)
        (widget,) = tree.xpath("//field[@name='payment_link_status']")
        self.assertEqual(widget.get("widget"), "payment_link_status")
        for name in COPIED_BUTTONS:
            self.assertFalse(tree.xpath(f"//button[@name='{name}']"), f"{name} is in the widget")

    def test_a_link_shows_the_same_on_the_order_and_the_invoice(self):
        self.send_booking_link()
        self.send_default_link()
        for document in (self.booking, self.invoice):
            with self.subTest(document=document._name):
                status = self.status(document)
                self.assertEqual(status["state_label"], "Sent")
                self.assertIn("(in ", status["expiry"])
                self.assertEqual(
                    self.actions(document),
                    ["action_resend_payment_link", "action_expire_payment_links"],
                )
        # Cancelled (the order's amount changed; the invoice's link stopped): on both forms,
        # a new link is sent, the cancelled one is not resent.
        self.booking.order_line[:1].product_uom_qty = 5
        self.assertEqual(self.booking.payment_link_state, "cancelled")
        self.env["payment.link"].browse(self.answer["link_id"])._set_state("cancelled")
        for document in (self.booking, self.invoice):
            with self.subTest(document=document._name):
                self.assertEqual(self.actions(document), ["action_send_payment_link"])

    def test_the_filters_are_the_invoices(self):
        orders = self.link_filters("sale.order", "sale.view_sales_order_filter")
        invoices = self.link_filters("account.move", "account.view_account_invoice_filter")
        self.assertEqual(orders, invoices, "one name, one label, one meaning")
