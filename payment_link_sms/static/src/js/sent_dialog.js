/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { Component } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * What the sender sees right after sending (closed by the dialog's own "Ok"): the links that
 * went out, each with a "Copy link" button (the only place, besides the message, where the full link is shown; it is not
 * stored), and the documents that were refused with their reason.
 */
export class PaymentLinkSentDialog extends Component {
    static template = "payment_link_sms.SentDialog";
    static props = ["*"];

    setup() {
        this.notification = useService("notification");
        this.actionService = useService("action");
        this.params = this.props.action.params || {};
    }

    async copy(link) {
        await browser.navigator.clipboard.writeText(link.url);
        this.notification.add(_t("Link copied to the clipboard"), { type: "success" });
    }

    /** After a resend from the old link's form: go to the new link. */
    openLink() {
        this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: "payment.link",
            res_id: this.params.open_link_id,
            views: [[false, "form"]],
            target: "current",
        });
    }
}

registry.category("actions").add("payment_link_sms.sent_dialog", PaymentLinkSentDialog);
