/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// "Opened" means a person opened the link: the pay page tells the server once it is actually
// shown (visible, not prerendered). A link previewer fetching the URL never runs this.

import { rpc } from "@web/core/network/rpc";
import publicWidget from "@web/legacy/js/public/public_widget";

function isShown() {
    return document.visibilityState === "visible" && !document.prerendering;
}

publicWidget.registry.PaymentLinkOpened = publicWidget.Widget.extend({
    selector: ".o_payment_link_beacon",

    start() {
        const token = this.el.dataset.token;
        let sent = false;
        const send = () => {
            if (sent || !isShown()) {
                return;
            }
            sent = true;
            document.removeEventListener("visibilitychange", send);
            document.removeEventListener("prerenderingchange", send);
            rpc("/pay/opened", { access_token: token }, { silent: true }).catch(() => {});
        };
        document.addEventListener("visibilitychange", send);
        document.addEventListener("prerenderingchange", send);
        send();
        return this._super(...arguments);
    },
});
