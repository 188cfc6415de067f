# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email: Cards on File",
    "summary": "Cards saved with the customer's recorded consent (while paying a link, or by a "
    "card request sent by SMS or email), charged from invoices and orders",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["payment_link_sms"],
    "data": [
        "security/ir.model.access.csv",
        "security/payment_consent_security.xml",
        "security/payment_card_request_security.xml",
        "data/card_request_template_data.xml",
        "views/card_request_templates.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/payment_link_send_views.xml",
        "wizards/payment_link_charge_views.xml",
        "views/payment_consent_views.xml",
        "views/payment_card_request_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "payment_link_sms_card/static/tests/tours/*.js",
        ],
        "payment_link_sms.assets_pay_page": [
            "payment_link_sms_card/static/src/js/pay_page_save_card.js",
        ],
    },
    "auto_install": True,
    "installable": True,
}
