/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The pay page's "Save my card for future payments" box (payment_link_sms) for Stripe's form:
// Stripe's Payment Element must know whether the card is saved (`setupFutureUsage`), as Odoo's
// own box tells it; the server creates the PaymentIntent with the same choice.

import paymentForm from "@payment/js/payment_form";
import { saveCardBox, saveCardRequested } from "@payment_link_sms_card/js/pay_page_save_card";
import "@payment_stripe/js/payment_form";

paymentForm.include({
    /**
     * @override method from @payment/js/payment_form (and payment_stripe's override)
     */
    async _prepareInlineForm(providerId, providerCode, paymentOptionId, paymentMethodCode, flow) {
        const result = await this._super(...arguments);
        const box = saveCardBox();
        const elements = this.stripeElements?.[paymentOptionId];
        if (providerCode !== "stripe" || !box || !elements || this.paymentContext.mode !== "payment") {
            return result;
        }
        const sync = () => elements.update({
            setupFutureUsage: saveCardRequested() ? "off_session" : null,
        });
        sync();
        box.addEventListener("change", sync);
        return result;
    },
});
