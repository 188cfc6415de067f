# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import const

_logger = logging.getLogger(__name__)


def _new_secret(*_args):
    return const.WEBHOOK_SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret, timestamp, body):
    """Return the signature header's value of ``body`` (bytes) at ``timestamp`` (int), in
    Stripe's scheme: ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class PaymentLinkWebhook(models.Model):
    """An HTTPS endpoint of an outside system (dispatch, booking...) told of link events."""

    _name = "payment.link.webhook"
    _description = "Payment Link Webhook Endpoint"
    _inherit = ["mail.thread"]
    _order = "company_id, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    url = fields.Char(
        string="URL",
        required=True,
        tracking=True,
        help="Where each event is POSTed as JSON (https://, or http:// on a private network).",
    )
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Owner",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
        help="Notified when the endpoint is disabled after failing for days.",
    )
    secret = fields.Char(
        string="Signing Secret",
        required=True,
        copy=False,
        default=_new_secret,
        groups="base.group_system",
        help="Receivers check each request's Paylink-Signature header with it (Stripe's scheme).",
    )
    on_sent = fields.Boolean(string="Link sent", default=True)
    on_delivered = fields.Boolean(string="Message delivered", default=True)
    on_delivery_failed = fields.Boolean(string="Delivery failed", default=True)
    on_opened = fields.Boolean(string="Link opened", default=True)
    on_payment_failed = fields.Boolean(string="Payment failed", default=True)
    on_paid = fields.Boolean(string="Paid", default=True)
    on_partly_paid = fields.Boolean(string="Partly paid", default=True)
    on_refunded = fields.Boolean(string="Payment refunded", default=True)
    on_expired = fields.Boolean(string="Link expired", default=True)
    on_cancelled = fields.Boolean(string="Link cancelled", default=True)
    delivery_ids = fields.One2many(
        comodel_name="payment.link.webhook.delivery", inverse_name="webhook_id", readonly=True
    )
    delivery_count = fields.Integer(compute="_compute_delivery_stats")
    pending_count = fields.Integer(string="Waiting Deliveries", compute="_compute_delivery_stats")
    failing_since = fields.Datetime(
        readonly=True, copy=False, help="First failure since the last successful delivery."
    )
    last_success_date = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Char(readonly=True, copy=False)
    disabled_reason = fields.Char(readonly=True, copy=False)

    @api.constrains("url")
    def _check_url(self):
        for webhook in self:
            parsed = urlsplit(webhook.url or "")
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValidationError(
                    self.env._("The webhook URL must be an http:// or https:// address.")
                )

    def _compute_delivery_stats(self):
        Delivery = self.env["payment.link.webhook.delivery"]
        counts = dict.fromkeys(self.ids, 0)
        pending = dict.fromkeys(self.ids, 0)
        for webhook, state, count in Delivery._read_group(
            [("webhook_id", "in", self.ids)], ["webhook_id", "state"], ["__count"]
        ):
            counts[webhook.id] += count
            if state == "pending":
                pending[webhook.id] += count
        for webhook in self:
            webhook.delivery_count = counts.get(webhook.id, 0)
            webhook.pending_count = pending.get(webhook.id, 0)

    @api.model_create_multi
    def create(self, vals_list):
        webhooks = super().create(vals_list)
        self.env.registry.clear_cache()  # payment.link.webhook.delivery._company_ids_with_webhooks
        return webhooks

    def write(self, vals):
        if vals.get("active"):
            vals = {**vals, "failing_since": False, "disabled_reason": False}
        result = super().write(vals)
        if {"active", "company_id"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    # === ACTIONS === #

    def action_rotate_secret(self):
        """Replace the signing secret (receivers must be given the new one)."""
        for webhook in self:
            webhook.secret = _new_secret()
            webhook.message_post(body=self.env._("Signing secret replaced."))
        return True

    def action_view_deliveries(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Deliveries"),
            "res_model": "payment.link.webhook.delivery",
            "view_mode": "list,form",
            "domain": [("webhook_id", "=", self.id)],
            "context": {"search_default_webhook_id": self.id},
        }

    # === BUSINESS METHODS === #

    def _wants(self, webhook_type):
        return self[f"on_{webhook_type.split('.', 1)[1]}"]

    def _record_success(self, now):
        self.write({"last_success_date": now, "failing_since": False, "last_error": False})

    def _record_failure(self, error, now):
        self.write({"last_error": error, "failing_since": self.failing_since or now})
        if now - self.failing_since >= timedelta(days=const.WEBHOOK_DISABLE_DAYS):
            self._disable(error)

    def _disable(self, error):
        """Stop an endpoint that failed for days: its waiting deliveries are given up and its
        owner is told (chatter message to the owner, and an email by their preferences)."""
        reason = self.env._(
            "Disabled after failing for %(days)s days: %(error)s",
            days=const.WEBHOOK_DISABLE_DAYS,
            error=error,
        )
        _logger.warning("webhook %s (%s) disabled: %s", self.id, self.url, error)
        self.write({"active": False, "disabled_reason": reason})
        self.delivery_ids.filtered(lambda d: d.state == "pending").write(
            {"state": "failed", "last_error": reason}
        )
        self.message_post(
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                self.env._(
                    "Webhook %(name)s (%(url)s) was disabled.", name=self.name, url=self.url
                ),
                reason,
            ),
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )
