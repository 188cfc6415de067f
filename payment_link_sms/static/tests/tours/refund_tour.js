/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/** Refund part of a paid link from its form: the dialog's amount, a reason, then Refund. */
registry.category("web_tour.tours").add("payment_link_sms_refund_tour", {
    steps: () => [
        {
            content: "Refund the paid link",
            trigger: ".o_form_statusbar button.o_payment_link_refund",
            run: "click",
        },
        {
            content: "The amount to refund is what is left to refund",
            trigger: ".modal div[name='amount'] input",
            run: function () {
                if (!this.anchor.value.includes("1,234.56")) {
                    throw new Error(`The dialog offers ${this.anchor.value} to refund`);
                }
            },
        },
        {
            content: "Refund a part of it",
            trigger: ".modal div[name='amount'] input",
            run: "edit 200",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name='reason'] input",
            run: "edit Late delivery",
        },
        {
            content: "Refund",
            trigger: ".modal .modal-footer button.o_payment_link_refund_confirm",
            run: "click",
        },
        {
            content: "The link shows what was refunded",
            trigger: ".o_form_view:not(:has(.modal)) div[name='amount_refunded']:contains('200.00')",
        },
        {
            content: "Refund is still offered for the rest",
            trigger: ".o_form_statusbar button.o_payment_link_refund",
        },
    ],
});
