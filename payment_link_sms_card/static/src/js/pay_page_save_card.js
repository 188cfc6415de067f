/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// "Save my card for future payments" on the pay page: one box above the payment form (with the
// consent text) instead of Odoo's per-method box. Its state is sent as Odoo's own
// `tokenization_requested`; the server decides (the company must offer it, the provider and
// the method must support it) and records the consent once the card is saved.

import paymentForm from "@payment/js/payment_form";

export function saveCardBox() {
    return document.querySelector("input.o_payment_link_save_card_input");
}

export function saveCardRequested() {
    const box = saveCardBox();
    return Boolean(box && (box.checked || box.dataset.required));
}

paymentForm.include({
    /**
     * @override method from @payment/js/payment_form
     */
    _prepareTransactionRouteParams() {
        const params = this._super(...arguments);
        if (saveCardBox() && this.paymentContext.mode !== "validation") {
            params.tokenization_requested = saveCardRequested();
        }
        return params;
    },
});
