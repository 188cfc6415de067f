# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .. import const


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """A web client asks for a record's payment link progress as the string
        ``payment_link_sms.progress:<model>:<id>``: it is subscribed to the record's progress
        channel only when the user may read the record (internal user, access rights, record
        rules: another company's record is not subscribed); the string itself never is."""
        asked = [
            channel
            for channel in channels
            if isinstance(channel, str) and channel.startswith(const.PROGRESS_CHANNEL_PREFIX)
        ]
        if asked:
            channels = [channel for channel in channels if channel not in asked]
            if self.env.uid:
                channels.extend(self.env["payment.link.progress"]._progress_channels(asked))
        return super()._build_bus_channel_list(channels)
