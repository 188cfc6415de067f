# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email - Stripe",
    "summary": "Stripe (with 3-D Secure) for payment links: one live PaymentIntent per link, "
    "strictly signed webhooks",
    "version": "18.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["payment_link_sms_card", "payment_stripe"],
    "data": ["views/payment_provider_views.xml", "views/payment_templates.xml"],
    "assets": {
        "payment_link_sms.assets_pay_page": [
            "payment_link_sms_stripe/static/src/js/stripe_on_demand.js",
            "payment_link_sms_stripe/static/src/js/save_card.js",
        ],
    },
    "installable": True,
    "auto_install": True,
}
