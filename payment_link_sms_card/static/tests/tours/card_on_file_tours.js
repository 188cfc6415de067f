/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/** Charge card on file from a posted invoice: pick the card, confirm the amount, see the result. */
registry.category("web_tour.tours").add("payment_link_sms_charge_card_tour", {
    steps: () => [
        {
            content: "Charge the card on file from the invoice",
            trigger: ".o_form_statusbar button[name='action_charge_card_on_file']",
            run: "click",
        },
        {
            content: "The wizard offers the customer's default card",
            trigger: ".modal div[name='token_id'] input:value(/4242/)",
        },
        {
            content: "Charge part of the amount due",
            trigger: ".modal div[name='amount'] input",
            run: "edit 100.00",
        },
        {
            content: "Charge",
            trigger: ".modal .modal-footer button[name='action_charge']",
            run: "click",
        },
        {
            content: "Confirm the charge without the customer",
            trigger: ".modal:not(:has(div[name='token_id'])) .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The result is shown: paid",
            trigger: ".modal .o_payment_link_charge_result.alert-success:contains('100.00')",
        },
        {
            content: "Close",
            trigger: ".modal .modal-footer button.btn-primary:contains('Close')",
            run: "click",
        },
        {
            content: "Back on the invoice, the charge of part of it shows as partly paid",
            trigger:
                ".o_form_view .o_payment_link_status_badge[data-state='partly_paid']:contains('Partly paid')",
        },
        {
            content: "Named as a card charge, with what was paid and what is left",
            trigger:
                ".o_form_view .o_payment_link_status:has(.o_payment_link_status_kind:contains('Card on file charge')) .o_payment_link_status_money:contains('100.00'):contains('left')",
        },
    ],
});

/** The customer's Payment cards tab: default card, consent recorded, card removed. */
registry.category("web_tour.tours").add("payment_link_sms_partner_cards_tour", {
    steps: () => [
        {
            content: "Open the Payment cards tab",
            trigger: ".o_notebook a:contains('Payment cards')",
            run: "click",
        },
        {
            content: "The card without consent says so",
            trigger: "div[name='payment_token_ids'] tr:has(td:contains('5555')) span:contains('None')",
        },
        {
            content: "Record the customer's consent, given on the phone",
            trigger:
                "div[name='payment_token_ids'] tr:has(td:contains('5555')) button[name='action_payment_link_record_consent']",
            run: "click",
        },
        {
            content: "The text to read is shown",
            trigger: ".modal div[name='consent_text']:contains('I authorise')",
        },
        {
            content: "Record it",
            trigger: ".modal .modal-footer button.btn-primary:contains('Record consent')",
            run: "click",
        },
        {
            content: "The card's consent is active, and in the history",
            trigger: "div[name='payment_token_ids'] tr:has(td:contains('5555')) span:contains('Active')",
        },
        {
            content: "Make it the default card",
            trigger:
                "div[name='payment_token_ids'] tr:has(td:contains('5555')) button[name='action_set_default']",
            run: "click",
        },
        {
            content: "The other card is no longer the default one",
            trigger:
                "div[name='payment_token_ids'] tr:has(td:contains('4242')) button[name='action_set_default']",
        },
        {
            content: "Remove the old card",
            trigger:
                "div[name='payment_token_ids'] tr:has(td:contains('4242')) button[name='action_payment_link_remove']",
            run: "click",
        },
        {
            content: "Confirm the removal",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The removed card is gone; its consent shows revoked in the history",
            trigger:
                "div[name='payment_token_ids']:not(:has(td:contains('4242'))) ~ div[name='payment_consent_ids'] span:contains('Revoked')",
        },
    ],
});
