/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Marks the moment the pay page can take a payment (performance.mark "payment_form_ready"):
// the payment form is started and the inline form of the chosen method is prepared. Read by
// the browser benchmark (bench/browser.py) and harmless otherwise.

import paymentForm from "@payment/js/payment_form";

const MARK = "payment_form_ready";

function markReady() {
    if (!performance.getEntriesByName(MARK).length) {
        performance.mark(MARK);
    }
}

paymentForm.include({
    /**
     * The inline form of the chosen method is shown and prepared (a provider's own fields
     * mounted): the page can take the payment.
     *
     * @override
     */
    async _expandInlineForm() {
        const result = await this._super(...arguments);
        markReady();
        return result;
    },
});
