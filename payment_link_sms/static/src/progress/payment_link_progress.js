/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { Component, onWillStart, onWillUnmount, onWillUpdateProps, status, useState } from "@odoo/owl";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

export const PROGRESS_NOTIFICATION = "payment_link_sms.progress";
export const PROGRESS_CHANNEL_PREFIX = "payment_link_sms.progress:";

// Steps shown before "Show all".
const TIMELINE_STEPS = 8;

// Steps that end a journey, or need the agent: their colour on the timeline.
const STEP_CLASSES = {
    paid: "text-bg-success",
    partly_paid: "text-bg-info",
    refunded: "text-bg-info",
    payment_failed: "text-bg-danger",
    refund_failed: "text-bg-danger",
    delivery_failed: "text-bg-danger",
    page_left: "text-bg-warning",
    page_back: "text-bg-success",
    authentication: "text-bg-primary",
    expired: "text-bg-secondary",
    cancelled: "text-bg-secondary",
};

/**
 * Subscribe to the payment link progress of records, and call ``onProgress(payload)`` on each
 * step (the server subscribes only records the user may read: see ir.websocket).
 */
export function useProgressChannels(onProgress) {
    const busService = useService("bus_service");
    const channels = new Set();
    busService.subscribe(PROGRESS_NOTIFICATION, onProgress);
    onWillUnmount(() => {
        busService.unsubscribe(PROGRESS_NOTIFICATION, onProgress);
        for (const channel of channels) {
            busService.deleteChannel(channel);
        }
    });
    return {
        /** Listen to exactly the records ``[[model, id], ...]``. */
        listen(records) {
            const wanted = new Set(
                records.filter(([, id]) => id).map(([model, id]) => `${PROGRESS_CHANNEL_PREFIX}${model}:${id}`)
            );
            for (const channel of channels) {
                if (!wanted.has(channel)) {
                    busService.deleteChannel(channel);
                    channels.delete(channel);
                }
            }
            for (const channel of wanted) {
                if (!channels.has(channel)) {
                    channels.add(channel);
                    busService.addChannel(channel);
                }
            }
        },
    };
}

/**
 * "Customer progress": where the customer is in the payment (delivered, opened, method chosen,
 * entering details, 3-D Secure, paid, failed with what to tell them...), live through the bus,
 * on the form of a payment link or of a document with links.
 */
export class PaymentLinkProgress extends Component {
    static template = "payment_link_sms.Progress";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ progress: {}, showAll: false });
        this.channels = useProgressChannels((payload) => this.onProgress(payload));
        onWillStart(() => this.load(this.props));
        onWillUpdateProps((nextProps) => {
            if (nextProps.record.resId !== this.props.record.resId) {
                return this.load(nextProps);
            }
        });
    }

    async load(props) {
        const { resModel, resId } = props.record;
        this.channels.listen([[resModel, resId]]);
        this.state.progress = resId
            ? await this.orm.call("payment.link", "get_payment_link_progress", [resModel, resId])
            : {};
    }

    async onProgress(payload) {
        // A step may arrive while the form closes: a destroyed widget asks the server nothing
        // (Odoo's protected ORM would reject the call with "Component is destroyed").
        if (status(this) === "destroyed") {
            return;
        }
        const { resModel, resId } = this.props.record;
        const mine =
            resModel === "payment.link"
                ? payload.link_id === resId
                : payload.res_model === resModel && payload.res_id === resId;
        if (!mine) {
            return;
        }
        await this.load(this.props);
        if (status(this) === "destroyed") {
            return;
        }
        // The record's own fields (state, delivery, ribbons) too, unless the user is editing.
        const record = this.props.record;
        if (!record.isNew && !(await record.isDirty())) {
            await record.load();
        }
    }

    get progress() {
        return this.state.progress;
    }

    /** The latest steps first; the older ones on demand. */
    get timeline() {
        const steps = [...(this.progress.timeline || [])].reverse();
        return this.state.showAll ? steps : steps.slice(0, TIMELINE_STEPS);
    }

    get hiddenSteps() {
        return this.state.showAll ? 0 : Math.max(0, (this.progress.timeline || []).length - TIMELINE_STEPS);
    }

    stepClass(step) {
        return STEP_CLASSES[step.event_type] || "text-bg-light";
    }

    formatDate(date) {
        return formatDateTime(deserializeDateTime(date));
    }
}

registry.category("view_widgets").add("payment_link_progress", {
    component: PaymentLinkProgress,
});
