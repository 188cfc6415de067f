# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email for Sales Orders",
    "summary": "Send quotations and orders (bookings taken on the phone) a secure pay-by-link "
    "request: the deposit or the balance, confirmed and invoiced by Odoo on payment",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["payment_link_sms", "sale"],
    "data": [
        "security/res_groups.xml",
        "security/ir.model.access.csv",
        "security/payment_link_security.xml",
        "data/mail_template_data.xml",
        "views/payment_link_views.xml",
        "views/sale_order_views.xml",
        "views/pay_page_templates.xml",
        "wizards/payment_link_send_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "payment_link_sms_sale/static/tests/tours/*.js",
        ],
    },
    "uninstall_hook": "uninstall_hook",
    "auto_install": True,
    "installable": True,
}
