# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    """The customer's card requests (``payment.card.request``); a file of its own, beside the
    card-on-file parts of the partner, to keep each concern in one place."""

    _inherit = "res.partner"

    payment_consent_ids = fields.One2many(
        comodel_name="payment.consent",
        inverse_name="partner_id",
        string="Card Consents",
        readonly=True,
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    payment_card_request_ids = fields.One2many(
        comodel_name="payment.card.request",
        inverse_name="partner_id",
        string="Card Requests",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    payment_card_request_count = fields.Integer(
        compute="_compute_payment_card_request_count",
        groups="account.group_account_invoice,account.group_account_readonly",
    )

    def _compute_payment_card_request_count(self):
        counts = dict(
            self.env["payment.card.request"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.payment_card_request_count = counts.get(partner, 0)

    def _payment_card_request_create(self):
        self.env["payment.link"]._ensure_manage_rights()
        # Card requests are billing records (consents, cards on file): billing users only.
        self.env["payment.card.request"].check_access("write")
        # Created for the sender (who may only read requests), for customers they can read.
        self.check_access("read")
        return (
            self.env["payment.card.request"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": (partner.company_id or self.env.company).id,
                    }
                    for partner in self
                ]
            )
        )

    def request_payment_card(self, channel, phone=None, email=None):
        """Send each customer of ``self`` a link to save a card for future payments, without
        paying (a ``payment.card.request``), without UI.

        :param str channel: 'sms', 'email' or 'both'.
        :param str phone: Number to text instead of the customer's mobile / phone.
        :param str email: Address to email instead of the customer's email.
        :return: One dict per customer, in order: ``{'partner_id', 'link_id', 'url', 'state',
                 'expiration_date', 'error'}``, as ``send_payment_link`` answers.
        :rtype: list
        :raise UserError: When nothing can be sent (every reason listed).
        """
        requests = self._payment_card_request_create()
        answers = requests.with_env(self.env).send_payment_link(channel, phone=phone, email=email)
        for partner, answer in zip(self, answers, strict=True):
            answer.pop("document_id")
            answer["partner_id"] = partner.id
        return [
            {
                key: answer[key]
                for key in ("partner_id", "link_id", "url", "state", "expiration_date", "error")
            }
            for answer in answers
        ]

    def action_request_payment_card(self):
        """ "Request card (SMS / email)": the composer of payment links, for a new request."""
        requests = self._payment_card_request_create()
        return requests.with_env(self.env).action_send_payment_link()

    def action_view_payment_card_requests(self):
        self.ensure_one()
        self.check_access("read")
        self.env["payment.card.request"].check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Card Requests"),
            "res_model": "payment.card.request",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", self.id)],
            "context": {"create": False},
        }
