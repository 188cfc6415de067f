# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email: Cards on File for Sales Orders",
    "summary": "Charge a confirmed order (a booking) on the customer's card on file",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["payment_link_sms_sale", "payment_link_sms_card"],
    "data": [
        "views/sale_order_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
