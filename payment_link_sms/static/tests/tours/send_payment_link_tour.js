/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * A billing user sends a payment link from a posted invoice: the wizard previews the exact
 * SMS, the dialog after sending shows the full link once, the invoice shows the link's state.
 */
registry.category("web_tour.tours").add("payment_link_sms_send_tour", {
    steps: () => [
        {
            content: "Open the wizard from the invoice",
            trigger: "button[name='action_send_payment_link']",
            run: "click",
        },
        {
            content: "The exact SMS is previewed with its length",
            trigger: ".modal div[name='sms_info']:contains('SMS (GSM-7)')",
        },
        {
            content: "The SMS carries a link of the real length",
            trigger: ".modal div[name='sms_preview']:contains('/pay/xxxxxxxxxxxxxxxxxxxxxx')",
        },
        {
            content: "Send",
            trigger: ".modal footer button[name='action_send']:not(.d-none):contains('Send')",
            run: "click",
        },
        {
            content: "The full link is shown once, ready to copy",
            trigger: ".o_payment_link_sent input.o_payment_link_url",
            run: function () {
                const value = this.anchor.value;
                if (!/\/pay\/[A-Za-z0-9_-]{22}$/.test(value)) {
                    throw new Error(`Unexpected link ${value}`);
                }
            },
        },
        {
            content: "Close the dialog",
            trigger: ".modal:has(.o_payment_link_sent) .modal-footer button.o-default-button",
            run: "click",
        },
        {
            content: "The invoice shows the link as sent, with its expiry",
            trigger: ".o_form_view .o_payment_link_status_badge[data-state='sent']:contains('Sent')",
        },
        {
            content: "The smart button counts the link",
            trigger: "button[name='action_view_payment_links'] .o_stat_value:contains('1')",
        },
        {
            content: "Expire and Resend buttons are offered",
            trigger:
                ".o_payment_link_status:has(button[name='action_resend_payment_link']) button[name='action_expire_payment_links']",
        },
    ],
});
