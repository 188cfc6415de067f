# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.payment_link_sms import const as engine_const

from .. import const


class PaymentLinkQueue(models.Model):
    """A payment queue of a contact centre or front desk: who takes payments (``user_ids``),
    through which providers, for which operations, on which channels, how many at once."""

    _name = "payment.link.queue"
    _description = "Payment Queue"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    provider_ids = fields.Many2many(
        comodel_name="payment.provider",
        string="Payment Providers",
        check_company=True,
        domain="[('state', '!=', 'disabled')]",
        help="The providers this queue takes payments through. A queue is offered for an "
        "operation only when one of its providers supports it.",
    )
    allow_receive = fields.Boolean(
        string="Receive Payments",
        default=True,
        help="Agents of this queue ask customers for payments.",
    )
    allow_refund = fields.Boolean(
        string="Refunds",
        help="Agents of this queue refund payments received through its links (when the "
        "provider supports refunds).",
    )
    user_ids = fields.Many2many(
        comodel_name="res.users",
        relation="payment_link_queue_res_users_rel",
        column1="queue_id",
        column2="user_id",
        string="Members",
        domain="[('share', '=', False)]",
        help="The agents who take payments in this queue.",
    )
    capacity = fields.Integer(
        default=0,
        help="Most open requests of the queue at once (sent and not yet paid, expired or "
        "cancelled); 0 = no limit.",
    )
    allow_sms = fields.Boolean(string="Send by SMS", default=True)
    allow_email = fields.Boolean(string="Send by Email", default=True)

    request_ids = fields.One2many(
        comodel_name="payment.request", inverse_name="queue_id", string="Requests"
    )
    open_request_count = fields.Integer(
        string="Open Requests", compute="_compute_open_request_count"
    )
    is_full = fields.Boolean(string="Full", compute="_compute_open_request_count")
    supports_receive = fields.Boolean(
        string="Takes Payments",
        compute="_compute_supported_operations",
        search="_search_supports_receive",
        help="Receives payments and has a provider able to take them.",
    )
    supports_refund = fields.Boolean(
        string="Refunds Payments",
        compute="_compute_supported_operations",
        help="Allows refunds and has a provider able to refund.",
    )

    _sql_constraints = [
        ("capacity_positive", "CHECK(capacity >= 0)", "The capacity cannot be negative."),
    ]

    # === COMPUTE METHODS === #

    @api.depends("capacity", "request_ids.state")
    def _compute_open_request_count(self):
        counts = dict(
            self.env["payment.request"]
            .sudo()
            ._read_group(
                [("queue_id", "in", self.ids), ("state", "in", const.REQUEST_OPEN_STATES)],
                ["queue_id"],
                ["__count"],
            )
        )
        for queue in self:
            queue.open_request_count = counts.get(queue._origin, 0)
            queue.is_full = bool(queue.capacity) and queue.open_request_count >= queue.capacity

    @api.depends(
        "allow_receive", "allow_refund", "provider_ids.state", "provider_ids.support_refund"
    )
    def _compute_supported_operations(self):
        for queue in self:
            providers = queue.sudo().provider_ids.filtered(lambda p: p.state != "disabled")
            queue.supports_receive = queue.allow_receive and bool(providers)
            queue.supports_refund = queue.allow_refund and any(
                provider.support_refund in ("full_only", "partial") for provider in providers
            )

    def _search_supports_receive(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported."))
        queues = (
            self.sudo()
            .with_context(active_test=False)
            .search([("allow_receive", "=", True), ("provider_ids.state", "!=", "disabled")])
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", queues.ids)]

    # === BUSINESS METHODS === #

    def _operation_supported(self, operation):
        """Whether the queue is offered for ``operation`` ('receive' or 'refund')."""
        self.ensure_one()
        return self.supports_refund if operation == "refund" else self.supports_receive

    @api.model
    def _queues_of_user(self, operation="receive", company=None, user=None):
        """The queues of ``user`` (a member) in ``company`` offered for ``operation``."""
        user = user or self.env.user
        company = company or self.env.company
        queues = self.sudo().search([("company_id", "=", company.id), ("user_ids", "in", user.id)])
        return queues.filtered(lambda queue: queue._operation_supported(operation))

    def _channel_refusal(self, channel):
        """Why the queue cannot send on ``channel`` ('sms', 'email', 'both'), or False."""
        self.ensure_one()
        missing = []
        if channel in ("sms", "both") and not self.allow_sms:
            missing.append(self.env._("SMS"))
        if channel in ("email", "both") and not self.allow_email:
            missing.append(self.env._("email"))
        if not missing:
            return False
        return self.env._(
            "The payment queue %(queue)s does not send payment links by %(channel)s.",
            queue=self.name,
            channel=self.env._(" or ").join(missing),
        )

    def _capacity_refusal(self):
        """Why the queue takes no new request now (it is full), or False."""
        self.ensure_one()
        if not self.is_full:
            return False
        return self.env._(
            "The payment queue %(queue)s is full: %(count)s open requests (at most "
            "%(capacity)s). Wait until one is paid, or cancel one.",
            queue=self.name,
            count=self.open_request_count,
            capacity=self.capacity,
        )

    def _default_channel(self):
        """The channel a request of this queue goes out on by default."""
        self.ensure_one()
        default = (
            self.company_id.sudo().payment_link_default_channel or engine_const.DEFAULT_CHANNEL
        )
        if not self._channel_refusal(default):
            return default
        return "sms" if self.allow_sms else "email"
