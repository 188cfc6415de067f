/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

const PROGRESS = ".o_payment_link_progress";

function timelineHas(step) {
    return `${PROGRESS} .o_payment_link_progress_timeline li[data-step='${step}']`;
}

/**
 * The agent's screen while the customer pays in another browser (driven by the test): every
 * step arrives through the bus, without reloading the page.
 */
registry.category("web_tour.tours").add("payment_link_sms_live_progress_tour", {
    steps: () => [
        {
            content: "The link's form shows the customer's progress",
            trigger: `${PROGRESS} .o_payment_link_progress_current`,
            run() {
                window.paymentLinkNotReloaded = true;
            },
        },
        {
            content: "The customer opened the page (live)",
            trigger: timelineHas("opened"),
        },
        {
            content: "... chose a payment method",
            trigger: timelineHas("method_chosen"),
        },
        {
            content: "... started entering the payment details",
            trigger: timelineHas("details_entering"),
        },
        {
            content: "The payment failed (live)",
            trigger: timelineHas("payment_failed"),
        },
        {
            content: "A failure says what to tell the customer",
            trigger: `${PROGRESS}:contains('Ask them to try again')`,
        },
        {
            content: "The payment went through: the current step is Paid",
            trigger: `${PROGRESS} .o_payment_link_progress_current[data-step='paid']`,
        },
        {
            content: "The form itself follows (its ribbon), still without any reload",
            trigger: ".o_form_view .ribbon:contains('Paid')",
            run() {
                if (!window.paymentLinkNotReloaded) {
                    throw new Error("The page was reloaded: the progress did not arrive live.");
                }
            },
        },
    ],
});
