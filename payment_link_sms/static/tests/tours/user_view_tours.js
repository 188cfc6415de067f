/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

const FULL_LINK = /\/pay\/[A-Za-z0-9_-]{22}$/;

/** The sent dialog shows the full link, with a single close button (Odoo's "Ok"). */
function sentDialogSteps() {
    return [
        {
            content: "Confirm the resend",
            trigger: ".modal:not(:has(.o_payment_link_sent)) .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The dialog shows the new link in full, ready to copy",
            trigger: ".o_payment_link_sent input.o_payment_link_url",
            run: function () {
                if (!FULL_LINK.test(this.anchor.value)) {
                    throw new Error(`The dialog shows an unusable link: ${this.anchor.value}`);
                }
                const modal = this.anchor.closest(".modal");
                const closers = [...modal.querySelectorAll(".modal-footer button")].filter(
                    (button) => !button.classList.contains("d-none")
                );
                if (closers.length !== 1) {
                    throw new Error(`${closers.length} close buttons in the sent dialog`);
                }
            },
        },
    ];
}

/** Resend from the invoice: the invoice then follows the new, live link. */
registry.category("web_tour.tours").add("payment_link_sms_resend_invoice_tour", {
    steps: () => [
        {
            content: "Resend the link from the invoice",
            trigger: ".o_payment_link_status button[name='action_resend_payment_link']",
            run: "click",
        },
        ...sentDialogSteps(),
        {
            content: "Close the dialog",
            trigger: ".modal:has(.o_payment_link_sent) .modal-footer button.o-default-button",
            run: "click",
        },
        {
            content: "The invoice shows the new link as sent, not the cancelled one",
            trigger: ".o_form_view .o_payment_link_status_badge[data-state='sent']:contains('Sent')",
        },
        {
            content: "Its expiry is a date and the days left, on one line",
            trigger: ".o_form_view .o_payment_link_status_expiry:contains('(in 60 days)')",
        },
        {
            content: "Expire is offered for the live link",
            trigger: ".o_payment_link_status button[name='action_expire_payment_links']",
        },
    ],
});

/** Resend from the link's own form: the dialog, then the new link's form. */
registry.category("web_tour.tours").add("payment_link_sms_resend_link_tour", {
    steps: () => [
        {
            content: "The masked link is text, with nothing to copy",
            trigger: ".o_form_view div[name='masked_url']:not(:has(button))",
        },
        {
            content: "Resend from the link's form",
            trigger: ".o_form_statusbar button[name='action_resend_dialog']",
            run: "click",
        },
        ...sentDialogSteps(),
        {
            content: "Go to the new link",
            trigger: ".o_payment_link_sent button.o_payment_link_open",
            run: "click",
        },
        {
            content: "The new link's form: live, not replaced, Resend offered",
            trigger:
                ".o_form_view:not(:has(div[name='replaced_by_id'])) .o_form_statusbar button[name='action_resend_dialog']",
        },
        {
            content: "It is sent",
            trigger: ".o_form_statusbar .o_arrow_button_current:contains('Sent')",
        },
    ],
});

/** Pay with the demo provider, which answers ``state``. */
function demoPaySteps(state) {
    return [
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
            content: `The provider will answer ${state}`,
            trigger: "#simulated_payment_state",
            run: `select ${state}`,
        },
        {
            content: "Pay",
            trigger: "button[name='o_payment_submit_button']:not(:disabled)",
            run: "click",
        },
    ];
}

/** A declined payment, then "Try again" and a successful one, on a phone. */
registry.category("web_tour.tours").add("payment_link_sms_pay_retry_tour", {
    steps: () => [
        ...demoPaySteps("error"),
        {
            content: "The failure page offers to try again",
            trigger: ".o_payment_link_failed",
            timeout: 20000,
        },
        {
            content: "Try again",
            trigger: "button.o_payment_link_try_again",
            run: "click",
        },
        {
            content: "Back on the link's page, with every payment method",
            trigger: ".o_payment_link_amount:contains('234')",
        },
        ...demoPaySteps("done"),
        {
            content: "Paid",
            trigger: ".o_payment_link_paid",
            timeout: 20000,
        },
    ],
});

/** A partial payment on a phone: the part received, what is left, then "Pay the rest". */
registry.category("web_tour.tours").add("payment_link_sms_pay_partial_tour", {
    steps: () => [
        {
            content: "The amount to pay is shown as money",
            trigger: "input#o_payment_link_amount_input[value='1234.56']",
        },
        {
            content: "Pay only a part",
            trigger: "#o_payment_link_amount_input",
            run: "edit 300",
        },
        {
            content: "Update the amount",
            trigger: "form.o_payment_link_partial button[type='submit']",
            run: "click",
        },
        {
            content: "The page asks for the part",
            trigger: ".o_payment_link_amount:contains('300')",
        },
        ...demoPaySteps("done"),
        {
            content: "The customer is told the part was received, never that it failed",
            trigger: ".o_payment_link_part_received",
            timeout: 20000,
        },
        {
            content: "What is left to pay",
            trigger: ".o_payment_link_amount_left:contains('934')",
        },
        {
            content: "Pay the rest",
            trigger: "button.o_payment_link_pay_rest",
            run: "click",
        },
        {
            content: "Back on the link's page, for what is left",
            trigger: ".o_payment_link_amount:contains('934')",
        },
        ...demoPaySteps("done"),
        {
            content: "Paid in full",
            trigger: ".o_payment_link_paid",
            timeout: 20000,
        },
    ],
});
