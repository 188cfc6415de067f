/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

const payWithDemo = (amount) => [
    {
        content: `The amount to pay now is ${amount}`,
        trigger: `.o_payment_link_amount:contains('${amount}')`,
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
];

/**
 * On a phone: the customer sees their three open invoices (two overdue), unticks the last
 * one, pays the two others, then pays the rest with the same link.
 */
registry.category("web_tour.tours").add("payment_link_sms_statement_choice_tour", {
    steps: () => [
        {
            content: "The statement and its three open invoices are listed",
            trigger: ".o_payment_link_statement:has(.o_payment_link_statement_invoice:eq(2))",
        },
        {
            content: "Two of them are overdue",
            trigger: ".o_payment_link_statement_invoice:eq(1) .o_payment_link_overdue",
        },
        {
            content: "The total of the open invoices",
            trigger: ".o_payment_link_statement_total:contains('600.00')",
        },
        {
            content: "Untick the invoice not due yet",
            trigger: ".o_payment_link_statement_invoice:eq(2) input[name='invoice_ids']:checked",
            run: "click",
        },
        {
            content: "Update the amount (the server computes it)",
            trigger: ".o_payment_link_statement_update",
            run: "click",
        },
        {
            content: "The invoice left out is no longer ticked",
            trigger: ".o_payment_link_statement_invoice:eq(2) input[name='invoice_ids']:not(:checked)",
        },
        ...payWithDemo("300.00"),
        {
            content: "The payment was received and shared among the two invoices",
            trigger: ".o_payment_link_part_received",
            timeout: 20000,
        },
        {
            content: "The receipt lists the invoices paid",
            trigger: ".o_payment_link_statement_allocation li:eq(1)",
        },
        {
            content: "Pay the rest with the same link",
            trigger: ".o_payment_link_pay_rest",
            run: "click",
        },
        {
            content: "Only the invoice left is listed",
            trigger: ".o_payment_link_statement:not(:has(.o_payment_link_statement_invoice:eq(1)))",
        },
        ...payWithDemo("300.00"),
        {
            content: "The receipt says the statement is paid",
            trigger: ".o_payment_link_paid",
            timeout: 20000,
        },
    ],
});
