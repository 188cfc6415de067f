/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * The desk's board: the request's card changes state while its customer pays (the steps in
 * between may pass faster than the board reloads: the tour waits for the end, Paid).
 */
const CARD = ".o_kanban_record:contains('Dépannage A7')";
registry.category("web_tour.tours").add("payment_link_sms_live_board_tour", {
    steps: () => [
        {
            content: "The request's card is on the board",
            trigger: CARD,
            run() {
                window.paymentLinkNotReloaded = true;
            },
        },
        {
            content: "Then paid: the card shows it, without any reload",
            trigger: `${CARD}:contains('Paid')`,
            run() {
                if (!window.paymentLinkNotReloaded) {
                    throw new Error("The page was reloaded: the board did not follow live.");
                }
            },
        },
    ],
});
