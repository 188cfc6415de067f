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
        "views/res_config_settings_views.xml",
    ],
    "installable": True,
}
