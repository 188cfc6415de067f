/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { onWillRender } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { useProgressChannels } from "./payment_link_progress";

/**
 * A kanban of payable documents that follows their customers' progress live: it listens to
 * the progress channels of the cards it shows (only those the user may read are subscribed,
 * see ir.websocket) and reloads its data at each step, so that the cards move between states.
 */
export class PaymentLinkProgressKanbanController extends KanbanController {
    setup() {
        super.setup();
        let reloading = null;
        const channels = useProgressChannels((payload) => {
            if (payload.res_model !== this.props.resModel || reloading) {
                return;
            }
            const shown = this.shownIds(this.model.root);
            if (!shown.has(payload.res_id)) {
                return;
            }
            reloading = this.model.load().finally(() => (reloading = null));
        });
        onWillRender(() => {
            const resModel = this.props.resModel;
            channels.listen([...this.shownIds(this.model.root)].map((id) => [resModel, id]));
        });
    }

    shownIds(root) {
        const records = root.isGrouped
            ? root.groups.flatMap((group) => group.list?.records || [])
            : root.records;
        return new Set(records.map((record) => record.resId));
    }
}

registry.category("views").add("payment_link_progress_kanban", {
    ...kanbanView,
    Controller: PaymentLinkProgressKanbanController,
});
