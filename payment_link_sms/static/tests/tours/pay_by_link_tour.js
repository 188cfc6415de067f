/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * The customer opens the link of their SMS on a phone and pays with the demo provider.
 */
registry.category("web_tour.tours").add("payment_link_sms_pay_tour", {
    steps: () => [
        {
            content: "The invoice and the amount due are shown",
            trigger: ".o_payment_link_document:contains('INV/')",
        },
        {
            content: "The amount due is on the page",
            trigger: ".o_payment_link_amount:contains('234')",
        },
        {
            content: "Choose the demo payment method",
            trigger: "input[name='o_payment_radio'][data-provider-code='demo']",
            run: "click",
        },
        {
            content: "Tap a method's logo: its name shows in a bubble (the phone's tooltip)",
            trigger: ".o_payment_form [data-pay-link-tooltip]",
            run: "click",
        },
        {
            content: "The bubble is shown, with Bootstrap's tooltip style",
            trigger: ".tooltip.show .tooltip-inner:not(:empty)",
        },
        {
            content: "Type test card details",
            trigger: "#customer_input:not(:disabled)",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "button[name='o_payment_submit_button']:not(:disabled)",
            run: "click",
        },
        {
            content: "The receipt says the payment was received",
            trigger: ".o_payment_link_paid",
            timeout: 20000,
        },
        {
            content: "The invoice can be downloaded",
            trigger: "a.o_payment_link_pdf[href*='/pay/done/'][href*='/pdf?access_token=']",
        },
    ],
});
