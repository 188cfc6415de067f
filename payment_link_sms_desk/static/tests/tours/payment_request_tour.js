/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * An agent takes a payment on a call: the form says what is missing, counts the explanation's
 * characters as they are typed, previews the SMS, sends it, then shows the link masked.
 */
registry.category("web_tour.tours").add("payment_link_sms_request_tour", {
    steps: () => [
        {
            content: "The button is disabled and says why",
            trigger: ".o_payment_request_blocked:contains('Choose the client.')",
        },
        {
            trigger: "button.o_payment_request_generate_disabled:disabled",
        },
        {
            content: "The agent's only queue is preselected",
            trigger: "div[name='queue_id'] input:value('Roadside')",
        },
        {
            content: "Payouts are not offered, and the form says so",
            trigger: ".o_form_view:contains('Payouts (sending money to a client) are not offered')",
        },
        {
            content: "Choose the client",
            trigger: "div[name='partner_id'] input",
            run: "edit Camille",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Camille Martin')",
            run: "click",
        },
        {
            content: "The amount is still missing",
            trigger: ".o_payment_request_blocked:contains('Enter the amount')",
        },
        {
            content: "Type the amount",
            trigger: "div[name='amount'] input",
            run: "edit 120.50",
        },
        {
            content: "Type the reference",
            trigger: "div[name='reference'] input",
            run: "edit Dépannage A7",
        },
        {
            content: "Type the explanation: the counter follows each character",
            trigger: "div[name='explanation'] textarea",
            run: "edit Remorquage à Lyon",
        },
        {
            trigger: ".o_payment_link_char_counter:contains('17 / 500 characters')",
        },
        {
            content: "The SMS is previewed with its segments",
            trigger: "div[name='sms_info']:contains('1 SMS segments')",
        },
        {
            trigger: "div[name='sms_preview']:contains('Dépannage A7')",
        },
        {
            content: "Nothing is missing any more: generate the link",
            trigger: "button.o_payment_request_generate:enabled",
            run: "click",
        },
        {
            content: "The request is sent",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Sent')",
        },
        {
            content: "The agent sees the link's last 4 characters only",
            trigger: "div[name='link_hint'] span:contains('…')",
            run: function () {
                const text = this.anchor.textContent;
                if (!/\(…[A-Za-z0-9_-]{4}\)$/.test(text.trim())) {
                    throw new Error(`Unexpected link ${text}`);
                }
            },
        },
    ],
});
