# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email: Statements",
    "summary": "One link for several invoices: the customer pays their open invoices (all, or "
    "the ones they choose) in one payment, without an account",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["payment_link_sms", "account_payment"],
    "data": [
        "security/ir.model.access.csv",
        "security/payment_link_statement_security.xml",
        "data/ir_sequence_data.xml",
        "data/sms_template_data.xml",
        "data/mail_template_data.xml",
        "views/payment_link_statement_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/pay_page_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "payment_link_sms_statement/static/tests/tours/*.js",
        ],
    },
    "auto_install": True,
    "installable": True,
}
