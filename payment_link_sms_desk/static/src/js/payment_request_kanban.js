/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

const views = registry.category("views");
const progressKanban = views.get("payment_link_progress_kanban");

/**
 * The requests' board, grouped by queue: with no queue at all it has no column, and Odoo's
 * kanban shows nothing for a many2one grouping without groups. Show the action's help
 * instead (the first run: what to do, see payment.request.get_empty_list_help).
 */
export class PaymentRequestKanbanRenderer extends progressKanban.Renderer {
    get showNoContentHelper() {
        const { isGrouped, groups, model } = this.props.list;
        if (isGrouped && !model.useSampleModel && groups.length === 0) {
            return true;
        }
        return super.showNoContentHelper;
    }
}

views.add("payment_request_kanban", {
    ...progressKanban,
    Renderer: PaymentRequestKanbanRenderer,
});
