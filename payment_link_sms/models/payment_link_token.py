# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .. import const


class PaymentLinkToken(models.Model):
    """A further token of a live link: a reminder, an invoice PDF, an email of the document.

    A link's first token is on the link itself; each later message or printed document that
    carries the link gets a token of its own (its hash only), so that earlier messages keep
    working and a database dump still yields no working link. Every token dies with its link.
    """

    _name = "payment.link.token"
    _description = "Payment Link Token"
    _log_access = False

    link_id = fields.Many2one(
        comodel_name="payment.link", required=True, index=True, ondelete="cascade"
    )
    token_hash = fields.Char(required=True)
    token_hint = fields.Char(required=True)
    channel = fields.Selection(selection=const.TOKEN_CHANNELS, required=True)
    create_date = fields.Datetime(default=fields.Datetime.now, required=True)

    _sql_constraints = [
        ("token_hash_unique", "UNIQUE(token_hash)", "A payment link token must be unique."),
    ]
