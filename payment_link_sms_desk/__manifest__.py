# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Links by SMS and Email: Desk Payment Requests",
    "summary": "Payment requests taken on a call or at a desk, in queues of agents, sent as "
    "payment links by SMS and email and followed live",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "payment_link_sms contributors",
    "depends": ["payment_link_sms"],
    "data": [
        "security/payment_request_groups.xml",
        "security/ir.model.access.csv",
        "security/payment_request_security.xml",
        "data/ir_sequence_data.xml",
        "views/payment_link_queue_views.xml",
        "views/payment_request_views.xml",
        "views/payment_request_progress_views.xml",
        "views/payment_request_templates.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "payment_link_sms_desk/static/src/js/char_counter_field.js",
            "payment_link_sms_desk/static/src/js/payment_request_kanban.js",
            "payment_link_sms_desk/static/src/xml/char_counter_field.xml",
        ],
        "web.assets_tests": [
            "payment_link_sms_desk/static/tests/tours/*.js",
        ],
    },
    "auto_install": True,
    "installable": True,
}
