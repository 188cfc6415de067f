# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email - Website",
    "summary": "Keeps the website's analytics and custom code off the payment link pages",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["payment_link_sms", "website"],
    "data": ["views/website_templates.xml"],
    "installable": True,
    "auto_install": True,
}
