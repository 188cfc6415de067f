# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from .. import const, utils


class PaymentLinkSend(models.TransientModel):
    """Above a threshold of documents, the composer queues a background send (see
    ``payment.link.send.job``) instead of sending in the user's request."""

    _inherit = "payment.link.send"

    background_send = fields.Boolean(
        compute="_compute_background_send",
        help="So many documents are selected that the links are sent in the background.",
    )
    background_threshold = fields.Integer(compute="_compute_background_send")

    @api.model
    def _get_background_threshold(self):
        return utils.parse_count_param(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("payment_link_sms.background_send_threshold"),
            const.BACKGROUND_SEND_THRESHOLD,
            minimum=0,
        )

    @api.depends("res_model", "res_ids")
    def _compute_background_send(self):
        threshold = self._get_background_threshold()
        for wizard in self:
            wizard.background_threshold = threshold
            wizard.background_send = wizard._payment_link_use_background()

    def _payment_link_use_background(self):
        """Whether the composer's documents are sent in the background (hook: a bridge whose
        send must be all or nothing returns False)."""
        self.ensure_one()
        return len(self._get_documents()) > self._get_background_threshold()

    # The per-document previews would cost the request what the send itself costs: a
    # background send shows counts only.

    @api.depends("res_model", "res_ids", "channel", "document_count")
    def _compute_bulk_preview(self):
        background = self.filtered("background_send")
        background.bulk_preview = False
        return super(PaymentLinkSend, self - background)._compute_bulk_preview()

    @api.depends("res_model", "res_ids")
    def _compute_refusal_preview(self):
        background = self.filtered("background_send")
        background.refusal_preview = False
        return super(PaymentLinkSend, self - background)._compute_refusal_preview()

    @api.depends("res_model", "res_ids")
    def _compute_live_links(self):
        background = self.filtered("background_send")
        for wizard in background:
            count = wizard._live_link_count()
            wizard.has_live_link = bool(count)
            wizard.live_link_warning = bool(count) and self.env._(
                "%s documents have a live link: it will be cancelled and replaced by the new one.",
                formatLang(self.env, count, digits=0),
            )
        return super(PaymentLinkSend, self - background)._compute_live_links()

    def _live_link_count(self):
        """How many of the documents have a live link (counted in SQL: no 50,000 links read)."""
        self.env["payment.link"].flush_model(["res_model", "res_id", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT count(DISTINCT res_id) FROM payment_link
                 WHERE res_model = %s AND res_id = ANY(%s::int[]) AND state IN %s
                """,
                self.res_model,
                utils.pg_int_array(self._get_documents().ids),
                tuple(const.LIVE_STATES),
            )
        )
        return self.env.cr.fetchone()[0]

    def _action_send(self, replace):
        self.ensure_one()
        # The documents deleted since the composer opened are left out of the send.
        self.invalidate_recordset(["existing_res_ids"])
        if not self._payment_link_use_background():
            return super()._action_send(replace)
        return self._action_send_background(replace)

    def _action_send_background(self, replace):
        """Queue the send and tell the user where to follow it."""
        self._service()._check_send_rights(self.channel)
        documents = self._get_documents()
        job = self.env["payment.link.send.job"]._create_for_documents(
            documents, self.channel, replace=replace
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Background send"),
                "message": self.env._(
                    "Sending %s links in the background; you will be notified.",
                    formatLang(self.env, len(documents), digits=0),
                ),
                "sticky": False,
                "next": self.env["payment.link.send.job"]._action_open(job),
            },
        }
