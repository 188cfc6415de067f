/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The payment link of a document, on its form: the state's badge, the money, the expiry, the
// delivery and its failure, and the actions. Everything, and which actions are offered, is
// computed by the server (payment.link.mixin's payment_link_status): one widget for every
// document type instead of copied XML.
import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

// The badge of each state, as the link's own list shows it.
const BADGE_CLASSES = {
    draft: "text-bg-info",
    sent: "text-bg-info",
    opened: "text-bg-warning",
    partly_paid: "text-bg-info",
    paid: "text-bg-success",
    partly_refunded: "text-bg-warning",
    refunded: "text-bg-secondary",
    expired: "text-bg-light",
    cancelled: "text-bg-light",
};

const DELIVERY_CLASSES = {
    queued: "text-bg-info",
    accepted: "text-bg-info",
    delivered: "text-bg-success",
    failed: "text-bg-danger",
};

export class PaymentLinkStatusField extends Component {
    static template = "payment_link_sms.PaymentLinkStatusField";
    static props = { ...standardFieldProps };

    get status() {
        return this.props.record.data[this.props.name] || {};
    }

    get badgeClass() {
        return BADGE_CLASSES[this.status.display_state] || "text-bg-light";
    }

    get deliveryClass() {
        return DELIVERY_CLASSES[this.status.delivery_state] || "text-bg-light";
    }

    /** Run the document's method as a header button would (save first, confirm, reload). */
    onAction(action) {
        const record = this.props.record;
        this.env.onClickViewButton({
            clickParams: {
                type: "object",
                name: action.name,
                ...(action.confirm && { confirm: action.confirm }),
            },
            getResParams: () => ({
                context: record.context,
                evalContext: record.evalContext,
                resModel: record.resModel,
                resId: record.resId,
                resIds: record.resIds || [record.resId],
            }),
        });
    }
}

export const paymentLinkStatusField = {
    component: PaymentLinkStatusField,
    displayName: "Payment Link Status",
    supportedTypes: ["json"],
};

registry.category("fields").add("payment_link_status", paymentLinkStatusField);
