# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models, modules

from .. import const

_logger = logging.getLogger(__name__)


class PaymentLinkNotification(models.Model):
    """A link's stage message waiting to be posted (the document's note to the salesperson and
    the sender, their pop-ups): a payment that the provider confirms is answered at once, its
    notification follows from this queue's scheduled action, right after the commit. Addons
    queue their own rows here the same way (see ``_process``).

    The link's state and its audit event are written with the payment itself; only what the
    provider does not wait for is queued. A notification is posted and removed from the queue
    in one transaction: exactly once, never lost (a failure leaves it queued, retried later).
    """

    _name = "payment.link.notification"
    _description = "Payment Link Notification (queued)"
    _order = "id"

    link_id = fields.Many2one(
        comodel_name="payment.link", required=True, readonly=True, ondelete="cascade"
    )
    event_type = fields.Char(required=True, readonly=True)
    reason = fields.Char(readonly=True)
    amount = fields.Float(readonly=True, help="The amount to state (empty: the link's).")
    has_amount = fields.Boolean(readonly=True)
    attempts = fields.Integer(readonly=True, default=0)
    last_error = fields.Char(readonly=True)

    @api.model
    def _enqueue(self, links, event_type, reason=False, amount=None):
        """Queue ``payment.link.event._notify_stage(links, event_type, reason, amount)`` for
        the queue's next run."""
        if not links:
            return self.browse()
        queued = self.sudo().create(
            [
                {
                    "link_id": link.id,
                    "event_type": event_type,
                    "reason": reason or False,
                    "amount": amount or 0.0,
                    "has_amount": amount is not None,
                }
                for link in links
            ]
        )
        self._trigger_at_commit()
        return queued

    @api.model
    def _trigger_at_commit(self):
        """Trigger the queue's scheduled action once per transaction, when it commits (a
        transaction that queues several notifications triggers it once)."""
        data = self.env.cr.precommit.data
        if data.get("payment_link_sms.notify_trigger"):
            return
        data["payment_link_sms.notify_trigger"] = True
        env = self.env

        @self.env.cr.precommit.add
        def trigger():
            data.pop("payment_link_sms.notify_trigger", None)
            # The id from the cached XML id: no query to check that the action exists.
            cron_id = env["ir.model.data"]._xmlid_to_res_id(const.NOTIFY_CRON_XMLID)
            env["ir.cron"].sudo().browse(cron_id)._trigger()
            env.flush_all()  # after the transaction's own flush: written before the commit

    @api.model
    def _cron_notify(self, batch_size=None):
        """Post the queued notifications, oldest first (scheduled action)."""
        batch_size = batch_size or const.NOTIFY_BATCH_SIZE
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT id FROM payment_link_notification
             WHERE attempts < %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            """,
            [const.NOTIFY_MAX_ATTEMPTS, batch_size],
        )
        queued = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        for item in queued:
            item._post()
            if not modules.module.current_test:
                self.env.cr.commit()  # one notification never waits for the next
        remaining = self.sudo().search_count(
            [("attempts", "<", const.NOTIFY_MAX_ATTEMPTS), ("id", ">", max(queued.ids or [0]))]
        )
        self.env["ir.cron"]._notify_progress(done=len(queued), remaining=remaining)
        return queued

    def _post(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._process()
                self.unlink()
        except Exception as error:  # noqa: BLE001 - kept queued, retried at the next run
            _logger.warning(
                "payment link %s: the %s notification failed (attempt %s), kept queued: %s",
                self.link_id.name,
                self.event_type,
                self.attempts + 1,
                error,
            )
            self.write(
                {"attempts": self.attempts + 1, "last_error": str(error)[: const.NOTIFY_ERROR_MAX]}
            )

    def _process(self):
        """Hook: do what this queued row stands for (one row; in the queue's savepoint, the row
        removed afterwards, kept for a retry if this raises). By default the link's stage
        message; an addon that queues rows of its own (with fields of its own) handles them in
        its override and calls ``super()`` for the others."""
        self.ensure_one()
        self.env["payment.link.event"]._notify_stage(
            self.link_id,
            self.event_type,
            reason=self.reason or False,
            amount=self.amount if self.has_amount else None,
        )
