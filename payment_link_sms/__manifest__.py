# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email",
    "summary": "Secure, expiring pay-by-link requests for invoices, sent by SMS and email "
    "and tracked from sent to paid",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["account_payment", "sms", "phone_validation", "portal", "payment"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/res_groups.xml",
        "security/ir.model.access.csv",
        "security/payment_link_security.xml",
        "security/webhook_security.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "data/webhook_cron_data.xml",
        "data/mail_template_data.xml",
        "data/sms_template_data.xml",
        "data/mail_template_invoice_data.xml",
        "data/reminder_template_data.xml",
        "views/payment_link_views.xml",
        "views/account_move_views.xml",
        "views/mail_template_views.xml",
        "views/pay_page_templates.xml",
        "views/report_invoice.xml",
        "views/res_config_settings_views.xml",
        "wizards/payment_link_send_views.xml",
        "views/payment_link_webhook_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "payment_link_sms/static/src/js/sent_dialog.js",
            "payment_link_sms/static/src/xml/sent_dialog.xml",
        ],
        "web.assets_frontend": [
            "payment_link_sms/static/src/js/pay_page_opened.js",
        ],
        "web.assets_tests": [
            "payment_link_sms/static/tests/tours/*.js",
        ],
    },
    "post_load": "post_load",
    "installable": True,
}
