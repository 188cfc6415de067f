/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// What a screen reader announces while the customer pays (WCAG 4.1.3): the payment being
// processed, and why it stopped when it did, in the page's live region (role="status").

import { _t } from "@web/core/l10n/translation";
import paymentForm from "@payment/js/payment_form";

function announce(text) {
    const region = document.querySelector(".o_payment_link_announce");
    if (region) {
        // Emptied first: the same message twice in a row is announced twice.
        region.textContent = "";
        setTimeout(() => (region.textContent = text), 50);
    }
}

paymentForm.include({
    /**
     * @override
     */
    async _submitForm(ev) {
        announce(_t("Processing your payment, please wait."));
        return this._super(...arguments);
    },

    /**
     * @override
     */
    _displayErrorDialog(title, errorMessage = "") {
        announce([title, errorMessage].filter(Boolean).join(" "));
        return this._super(...arguments);
    },
});
