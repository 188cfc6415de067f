/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The pay pages do not carry Stripe's script (views/payment_templates.xml): it is loaded here,
// from Stripe (allowed by the page's Content-Security-Policy), when Stripe's inline form is
// prepared, i.e. when the customer chooses a Stripe method (at once when it is the only one).

import { _t } from "@web/core/l10n/translation";
import { loadJS } from "@web/core/assets";
import paymentForm from "@payment/js/payment_form";
import "@payment_stripe/js/payment_form";

export const STRIPE_JS_URL = "https://js.stripe.com/v3/";

paymentForm.include({
    /**
     * @override method from @payment/js/payment_form (and payment_stripe's override)
     */
    async _prepareInlineForm(providerId, providerCode, paymentOptionId, paymentMethodCode, flow) {
        const _super = this._super.bind(this);
        if (providerCode === "stripe" && flow !== "token" && typeof window.Stripe === "undefined") {
            try {
                await loadJS(STRIPE_JS_URL);
            } catch {
                this._displayErrorDialog(
                    _t("Cannot display the payment form"),
                    _t("The payment provider could not be reached: check your connection and try again.")
                );
                return;
            }
        }
        return _super(...arguments);
    },
});
