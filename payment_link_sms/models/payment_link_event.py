# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const


class PaymentLinkEvent(models.Model):
    """One row of a payment link's audit trail: written once, never changed nor deleted."""

    _name = "payment.link.event"
    _description = "Payment Link Event"
    _order = "id desc"
    _rec_name = "event_type"

    link_id = fields.Many2one(
        comodel_name="payment.link",
        string="Payment Link",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="link_id.company_id", store=True, index=True)
    event_type = fields.Selection(
        selection=const.EVENT_TYPES, string="Event", required=True, readonly=True
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="User",
        readonly=True,
        default=lambda self: self.env.user,
        help="Who did it (the public user for the customer's actions).",
    )
    channel = fields.Selection(selection=const.CHANNELS, readonly=True)
    recipient = fields.Char(readonly=True)
    message = fields.Text(readonly=True, help="The message as sent, its token masked.")
    reason = fields.Char(readonly=True)
    user_agent = fields.Char(readonly=True)
    document_version = fields.Char(
        readonly=True, help="For a printed document: its last change, when it was printed."
    )
    transaction_id = fields.Many2one(
        comodel_name="payment.transaction", readonly=True, ondelete="set null"
    )
    failure_kind = fields.Selection(
        selection=const.FAILURE_KINDS,
        string="Why It Failed",
        readonly=True,
        help="A failed payment's reason in plain words, from the provider's codes or message.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        self.env["payment.link.webhook.delivery"]._enqueue(events)  # outbound webhooks' outbox
        events._send_progress()
        return events

    def _send_progress(self):
        """Announce each step of the customer's progress on the bus, to the progress channels
        of its link and of the link's document (only the users who may read the record listen
        to them: see ``ir.websocket._build_bus_channel_list``). The notification names the
        step; the agent's widget then reads the progress with its own rights."""
        Bus = self.env["bus.bus"].sudo()
        for event in self.filtered(lambda e: e.event_type in const.PROGRESS_EVENT_TYPES):
            link = event.link_id.sudo()
            payload = {
                "link_id": link.id,
                "res_model": link.res_model or False,
                "res_id": link.res_id or False,
                "event_id": event.id,
                "event_type": event.event_type,
            }
            channels = [(link, const.PROGRESS_SUBCHANNEL)]
            document = link._get_document()
            if document:
                channels.append((document, const.PROGRESS_SUBCHANNEL))
            for channel in channels:
                Bus._sendone(channel, const.PROGRESS_NOTIFICATION, payload)

    def write(self, vals):
        raise UserError(
            self.env._("Payment link events are an audit trail: they cannot be changed.")
        )

    def unlink(self):
        raise UserError(
            self.env._("Payment link events are an audit trail: they cannot be deleted.")
        )
