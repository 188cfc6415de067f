/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * The customer opens the link of their SMS on a phone, checks the booking and pays the
 * deposit with the demo provider.
 */
registry.category("web_tour.tours").add("payment_link_sms_sale_pay_booking_tour", {
    steps: () => [
        {
            content: "The booking is shown with its reference",
            trigger: ".o_payment_link_summary_sale_order .o_payment_link_document:contains('S')",
        },
        {
            content: "The guests are listed with their number",
            trigger: ".o_payment_link_line:contains('Whale safari - adult') .o_payment_link_quantity:contains('2')",
        },
        {
            content: "The date of the tour is shown",
            trigger: ".o_payment_link_commitment_date",
        },
        {
            content: "The deposit is what is due now",
            trigger: ".o_payment_link_deposit",
        },
        {
            content: "The amount due now is the deposit",
            trigger: ".o_payment_link_amount:contains('90')",
        },
        {
            content: "Choose the demo payment method",
            trigger: "input[name='o_payment_radio'][data-provider-code='demo']",
            run: "click",
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
            content: "The booking can be downloaded",
            trigger: "a.o_payment_link_pdf[href*='/pay/done/'][href*='/pdf?access_token=']",
        },
    ],
});
