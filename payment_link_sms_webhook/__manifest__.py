# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email: Outbound Webhooks",
    "summary": "Tell your other systems (dispatch, CRM, accounting) what happens to payment "
    "links: signed, retried, logged webhooks",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["payment_link_sms"],
    "data": [
        "security/ir.model.access.csv",
        "security/webhook_security.xml",
        "data/webhook_cron_data.xml",
        "views/payment_link_webhook_views.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "auto_install": True,
    "installable": True,
}
