# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .. import const


class PaymentLinkNotification(models.Model):
    """The engine's notification queue also holds the outbound webhooks' outbox rows of an
    audit event waiting to be made: a payment that the provider confirms is answered at once,
    its webhooks' rows follow from the queue's scheduled action, right after the commit (the
    webhook's body is built with the event, sent as built)."""

    _inherit = "payment.link.notification"

    link_event_id = fields.Many2one(
        comodel_name="payment.link.event",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="An audit event whose outbound webhooks' outbox rows are still to be made.",
    )
    event_uid = fields.Char(readonly=True, help="The outbound webhook event's id.")
    payload = fields.Text(readonly=True, help="The outbound webhook event's JSON body.")

    @api.model
    def _enqueue_webhook_events(self, bodies):
        """Queue the outbox rows of the outbound webhooks of events (their bodies built):
        ``payment.link.webhook.delivery._create_deliveries(bodies)`` at the queue's next run.

        :param list bodies: ``[(payment.link.event, event uid, JSON body)]``.
        """
        queued = self.sudo().create(
            [
                {
                    "link_id": event.link_id.id,
                    "event_type": const.WEBHOOK_TYPE_OF[event.event_type],
                    "link_event_id": event.id,
                    "event_uid": uid,
                    "payload": payload,
                }
                for event, uid, payload in bodies
            ]
        )
        self._trigger_at_commit()
        return queued

    def _process(self):
        if not self.link_event_id:
            return super()._process()
        self.env["payment.link.webhook.delivery"]._create_deliveries(
            [(self.link_event_id, self.event_uid, self.payload)]
        )
        return None
