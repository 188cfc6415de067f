# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class PaymentLink(models.Model):
    """The links of desk payment requests (``payment.request``), kept apart from
    ``payment_link.py``: the Many2one the record rules and views need, and the integrators'
    entry point."""

    _inherit = "payment.link"

    payment_request_id = fields.Many2one(
        comodel_name="payment.request",
        string="Payment Request",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )

    @api.model
    def create_payment_request(self, values):
        """Create a desk payment request and send its link (for integrators).

        :param dict values: ``partner_id``, ``amount``, optional ``currency_id``,
            ``reference``, ``explanation``, ``queue_id``, ``channel`` ('sms', 'email' or
            'both'), ``phone``, ``email``.
        :return: ``{'request_id', 'link_id', 'url', 'reference', 'state', 'expiration_date',
                 'error'}``; ``url`` is the full link, handed out only here and in the message.
        :raise UserError: With the reason, when the request is refused (nothing is created).
        """
        return self.env["payment.request"]._create_and_send(values)
