/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * The app's first run, before any payment queue: a manager is told to create one, with the
 * button, which opens a new queue.
 */
registry.category("web_tour.tours").add("payment_link_sms_desk_first_run_tour", {
    steps: () => [
        {
            content: "The app says what to do first",
            trigger: ".o_view_nocontent:contains('Create a payment queue first')",
        },
        {
            content: "Create a payment queue",
            trigger: ".o_view_nocontent a.o_payment_request_create_queue",
            run: "click",
        },
        {
            content: "A new queue's form opens",
            trigger: ".o_form_view div[name='name'] input",
        },
        {
            content: "Its members are labelled",
            trigger: ".o_form_view .o_inner_group:contains('Members') div[name='user_ids']",
        },
    ],
});
