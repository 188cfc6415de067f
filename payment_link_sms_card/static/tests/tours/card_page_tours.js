/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

const payWithDemo = (submitLabel) => [
    {
        content: "Choose the demo payment method",
        trigger: "input[name='o_payment_radio'][data-provider-code='demo']",
        run: "click",
    },
    {
        // The demo provider keeps what is typed as the card's details: the last digits only.
        content: "Type test card details",
        trigger: "#customer_input:not(:disabled)",
        run: "edit 4242",
    },
    {
        content: submitLabel,
        trigger: `button[name='o_payment_submit_button']:contains('${submitLabel}'):not(:disabled)`,
        run: "click",
    },
];

/**
 * The customer pays on a phone and ticks "Save my card for future payments".
 */
registry.category("web_tour.tours").add("payment_link_sms_save_card_tour", {
    steps: () => [
        {
            content: "The consent text is shown with the box",
            trigger: ".o_payment_link_save_card .o_payment_link_consent_text:contains('future repairs')",
        },
        {
            content: "The box is not ticked",
            trigger: "input.o_payment_link_save_card_input:not(:checked)",
        },
        {
            content: "Tick Save my card for future payments",
            trigger: "label[for='o_payment_link_save_card']:contains('Save my card for future payments')",
            run: "click",
        },
        {
            content: "The box is ticked",
            trigger: "input.o_payment_link_save_card_input:checked",
        },
        ...payWithDemo("Pay now"),
        {
            content: "The receipt says the payment was received",
            trigger: ".o_payment_link_paid",
            timeout: 20000,
        },
    ],
});

/**
 * The customer opens the card request's SMS link on a phone and saves a card, paying nothing.
 */
registry.category("web_tour.tours").add("payment_link_sms_card_request_tour", {
    steps: () => [
        {
            content: "The page asks to save a card, nothing to pay",
            trigger: ".o_payment_link_card_request:contains('Nothing is charged now')",
        },
        {
            content: "The consent text is shown",
            trigger: ".o_payment_link_consent_text:contains('future repairs')",
        },
        ...payWithDemo("Save my card"),
        {
            content: "The card is saved",
            trigger: ".o_payment_link_card_saved",
            timeout: 20000,
        },
        {
            content: "The saved card is named by its brand and last 4 digits",
            trigger: ".o_payment_link_saved_card:contains('•••• 4242')",
        },
    ],
});
