/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The customer's progress on the pay page, for the agent who follows it live: the page reports
// the steps of Odoo's payment form (a payment method chosen, its inline form focused, the bank's
// authentication shown, the page left and come back to). Only a step name is sent, never what
// is typed: the listeners read no field, and a provider's card fields live in its own frames.

import paymentForm from "@payment/js/payment_form";

const ROUTE = "/pay/progress";
// An iframe that the provider adds for the bank's check (Stripe's 3-D Secure challenge).
const AUTHENTICATION_FRAME = /three-ds|3ds|challenge|authenticat/i;

function pageToken() {
    return document.querySelector(".o_payment_link_beacon")?.dataset.token;
}

let lastStep = null;

/**
 * Send ``step`` (once in a row): by ``navigator.sendBeacon`` when the page goes away (it
 * outlives the page), else by a plain request. Failures are ignored: this is information only.
 */
function report(step, { leaving = false } = {}) {
    const token = pageToken();
    if (!token || step === lastStep) {
        return;
    }
    lastStep = step;
    const body = JSON.stringify({
        jsonrpc: "2.0",
        method: "call",
        params: { access_token: token, step },
    });
    if (leaving && navigator.sendBeacon) {
        try {
            if (navigator.sendBeacon(ROUTE, new Blob([body], { type: "application/json" }))) {
                return;
            }
        } catch {
            // A browser refusing this type of beacon: the request below, kept alive.
        }
    }
    fetch(ROUTE, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
        keepalive: leaving,
        credentials: "same-origin",
    }).catch(() => {});
}

let submitting = false;

function onHidden() {
    if (!submitting) {
        report("page_left", { leaving: true });
    }
}

if (pageToken()) {
    document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "hidden") {
            onHidden();
        } else if (lastStep === "page_left") {
            report("page_back");
        }
    });
    window.addEventListener("pagehide", onHidden);
}

paymentForm.include({
    /**
     * The customer picked a payment method.
     *
     * @override
     */
    async _selectPaymentOption(ev) {
        const result = await this._super(...arguments);
        report("method_chosen");
        return result;
    },

    /**
     * Once the inline form is shown, its first focus is "entering payment details" (a focus in
     * our document, or in a provider's frame inside the form).
     *
     * @override
     */
    async _expandInlineForm(radio) {
        const result = await this._super(...arguments);
        const inlineForm = this._getInlineForm(radio);
        if (inlineForm && !inlineForm.dataset.paymentLinkWatched) {
            inlineForm.dataset.paymentLinkWatched = "1";
            inlineForm.addEventListener("focusin", () => report("details_entering"));
            window.addEventListener("blur", () => {
                const active = document.activeElement;
                if (active?.tagName === "IFRAME" && inlineForm.contains(active)) {
                    report("details_entering");
                }
            });
        }
        return result;
    },

    /**
     * While paying, the page leaving is the payment's own navigation, not the customer
     * leaving; a frame of the bank's check appearing is "authentication asked".
     *
     * @override
     */
    async _submitForm(ev) {
        submitting = true;
        this._paymentLinkWatchAuthentication();
        return this._super(...arguments);
    },

    /**
     * The button given back with the page unblocked: the payment stopped on an error shown on
     * the page, the customer is still here.
     *
     * @override
     */
    _enableButton(unblockUI = true) {
        if (unblockUI) {
            submitting = false;
        }
        return this._super(...arguments);
    },

    _paymentLinkWatchAuthentication() {
        if (this._paymentLinkObserver) {
            return;
        }
        const form = this.el;
        this._paymentLinkObserver = new MutationObserver((mutations) => {
            for (const mutation of mutations) {
                for (const node of mutation.addedNodes) {
                    const frames =
                        node.tagName === "IFRAME"
                            ? [node]
                            : [...(node.querySelectorAll?.("iframe") || [])];
                    const asked = frames.some(
                        (frame) =>
                            !form.contains(frame) &&
                            AUTHENTICATION_FRAME.test(`${frame.name} ${frame.src}`)
                    );
                    if (asked) {
                        report("authentication");
                        this._paymentLinkObserver.disconnect();
                        return;
                    }
                }
            }
        });
        this._paymentLinkObserver.observe(document.body, { childList: true, subtree: true });
    },
});
