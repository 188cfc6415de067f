# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PaymentLinkEvent(models.Model):
    _inherit = "payment.link.event"

    def _payment_link_events_created(self):
        """Queue the outbound webhooks' deliveries of the new events (the outbox)."""
        super()._payment_link_events_created()
        self.env["payment.link.webhook.delivery"]._enqueue(self)
