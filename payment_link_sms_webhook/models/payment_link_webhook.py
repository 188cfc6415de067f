# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import hmac
import http.client
import ipaddress
import logging
import secrets
import socket
import ssl
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

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


def is_public_address(address):
    """Whether ``address`` (an IP address string) is a global unicast address: not loopback,
    private, link-local (cloud metadata services), unique-local, shared (CGNAT), multicast,
    reserved nor unspecified, including IPv4 addresses carried in an IPv6 one (mapped, NAT64,
    6to4, Teredo).

    :rtype: bool
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    embedded = []
    if ip.version == 6:
        if ip.ipv4_mapped:
            embedded.append(ip.ipv4_mapped)
        if ip.sixtofour:
            embedded.append(ip.sixtofour)
        if ip.teredo:
            embedded.extend(ip.teredo)
        if ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip in ipaddress.ip_network("::/96"):  # IPv4-compatible (deprecated)
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if any(not is_public_address(str(inner)) for inner in embedded):
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def mask_url(url):
    """``url`` without its credentials: the user and password and the query's values are
    replaced by ``***`` (what the chatter and the log may show).

    :rtype: str
    """
    try:
        parts = urlsplit(url or "")
        host = parts.hostname or ""
    except ValueError:
        return "***"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        query = urlencode([(key, "***") for key, _value in parse_qsl(query, True)], safe="*")
    if not host:
        return "***"
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class WebhookError(Exception):
    """A delivery that could not be made: its message is what the administrator reads."""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``host`` that connects to the address checked, not to whatever
    the name resolves to later (DNS rebinding)."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._pinned_address = address
        self._create_connection = self._connect_pinned

    def _connect_pinned(self, address, timeout, source_address=None):
        return socket.create_connection((self._pinned_address, address[1]), timeout, source_address)


class _PinnedHTTPSConnection(_PinnedHTTPConnection, http.client.HTTPSConnection):
    """The same over TLS: SNI and certificate verification for the host name, as usual."""


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
        help="Where each event is POSTed as JSON: an https:// address on the internet (http:// "
        "and addresses of the company's network only for the hosts of the system parameter "
        "payment_link_sms.webhook_allowed_hosts).",
    )
    # What the chatter tracks: the URL without its credentials.
    url_masked = fields.Char(
        string="Endpoint URL", compute="_compute_url_masked", store=True, tracking=True
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

    @api.depends("url")
    def _compute_url_masked(self):
        for webhook in self:
            webhook.url_masked = mask_url(webhook.url)

    @api.constrains("url")
    def _check_url(self):
        for webhook in self:
            try:
                target = webhook._get_target()
                webhook._check_target_addresses(target, resolve_errors=False)
            except WebhookError as error:
                raise ValidationError(str(error)) from None

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

    # === TRANSPORT === #

    @api.model
    def _get_allowed_hosts(self):
        """The hosts an administrator allows over http:// and on a non-public address."""
        value = (
            self.env["ir.config_parameter"].sudo().get_param(const.WEBHOOK_ALLOWED_HOSTS_PARAM, "")
        )
        return {host.strip().lower().strip("[]") for host in value.split(",") if host.strip()}

    def _get_target(self):
        """The endpoint's URL, checked and split: ``(scheme, host, port, path, authorization)``.

        :raise WebhookError: The URL is not one a webhook may be sent to.
        """
        self.ensure_one()
        _ = self.env._
        try:
            parts = urlsplit(self.url or "")
            host, port = (parts.hostname or "").lower(), parts.port
        except ValueError:
            raise WebhookError(_("The webhook URL is not a valid address.")) from None
        if parts.scheme not in ("http", "https") or not host:
            raise WebhookError(_("The webhook URL must be an https:// address."))
        if parts.scheme != "https" and host not in self._get_allowed_hosts():
            raise WebhookError(
                _(
                    "The webhook URL must be an https:// address (http:// only for the hosts "
                    "an administrator allows in the system parameter %s).",
                    const.WEBHOOK_ALLOWED_HOSTS_PARAM,
                )
            )
        authorization = None
        if parts.username is not None or parts.password is not None:
            credentials = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
            authorization = "Basic " + base64.b64encode(credentials.encode()).decode()
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        port = port or (443 if parts.scheme == "https" else 80)
        return parts.scheme, host, port, path, authorization

    @api.model
    def _resolve_addresses(self, host, port):
        """The IP addresses of ``host`` (the one name resolution of webhooks: tests patch it).

        :return: A list of address strings.
        :raise OSError: The name cannot be resolved.
        """
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(info[4][0] for info in infos))

    def _check_target_addresses(self, target, resolve_errors=True):
        """The address to connect to for ``target``: resolved once, and only if every address
        of the host is public (or the host is one an administrator allows).

        :param bool resolve_errors: Whether a name that cannot be resolved is an error (at
            send); when saving it is not (the address is checked again at each send).
        :return: The address, or None when the name could not be resolved.
        :raise WebhookError: The host has a non-public address.
        """
        _scheme, host, port, _path, _authorization = target
        try:
            addresses = self._resolve_addresses(host, port)
        except (OSError, UnicodeError) as error:
            if resolve_errors:
                raise WebhookError(
                    self.env._("Cannot resolve %(host)s: %(error)s", host=host, error=error)
                ) from None
            return None
        if not addresses:
            if resolve_errors:
                raise WebhookError(self.env._("Cannot resolve %s.", host))
            return None
        if host not in self._get_allowed_hosts():
            refused = [address for address in addresses if not is_public_address(address)]
            if refused:
                raise WebhookError(
                    self.env._(
                        "The webhook host %(host)s has a non-public address (%(address)s): "
                        "webhooks are sent to the internet only (an administrator may allow "
                        "a host of the company's network in the system parameter %(param)s).",
                        host=host,
                        address=refused[0],
                        param=const.WEBHOOK_ALLOWED_HOSTS_PARAM,
                    )
                )
        return addresses[0]

    def _post(self, body, headers):
        """POST ``body`` to the endpoint: resolved and checked once, connected to the address
        checked, within ``const.WEBHOOK_TIMEOUT_SECONDS`` in all, at most
        ``const.WEBHOOK_MAX_ANSWER_BYTES`` of the answer read (and dropped).

        :return: ``(status code, reason phrase)``.
        :raise WebhookError: Refused or failed; its message never holds the URL's credentials
            nor the answer's body.
        """
        self.ensure_one()
        deadline = time.monotonic() + const.WEBHOOK_TIMEOUT_SECONDS
        target = self._get_target()
        scheme, host, port, path, authorization = target
        address = self._check_target_addresses(target)
        headers = dict(headers)
        if authorization:
            headers["Authorization"] = authorization
        if scheme == "https":
            connection = _PinnedHTTPSConnection(
                host,
                port,
                address,
                timeout=const.WEBHOOK_TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        else:
            connection = _PinnedHTTPConnection(
                host, port, address, timeout=const.WEBHOOK_TIMEOUT_SECONDS
            )
        # The total deadline: a server that answers a byte at a time is cut off all the same.
        expired = threading.Event()

        def cut_off():
            expired.set()
            sock = connection.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        watchdog = threading.Timer(const.WEBHOOK_TIMEOUT_SECONDS, cut_off)
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.connect()
            if expired.is_set() or time.monotonic() >= deadline:
                raise TimeoutError
            connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            status = response.status
            reason = " ".join(str(response.reason or "").split())
        except (OSError, http.client.HTTPException, ValueError) as error:
            watchdog.cancel()
            connection.close()
            if expired.is_set() or time.monotonic() >= deadline:
                raise WebhookError(
                    self.env._(
                        "No complete answer within %s seconds.", const.WEBHOOK_TIMEOUT_SECONDS
                    )
                ) from None
            raise WebhookError(f"{type(error).__name__}: {error}") from None
        # The status is the answer; a little of the body is read (and dropped) so that a small
        # answer ends cleanly, never more, never past the deadline.
        try:
            left = const.WEBHOOK_MAX_ANSWER_BYTES
            while left > 0 and time.monotonic() < deadline and not expired.is_set():
                chunk = response.read1(min(left, 4096))
                if not chunk:
                    break
                left -= len(chunk)
        except (OSError, http.client.HTTPException, ValueError):
            pass
        finally:
            watchdog.cancel()
            connection.close()
        return status, reason[: const.WEBHOOK_REASON_MAX_LENGTH]

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
        _logger.warning("webhook %s (%s) disabled: %s", self.id, self.url_masked, error)
        self.write({"active": False, "disabled_reason": reason})
        self.delivery_ids.filtered(lambda d: d.state == "pending").write(
            {"state": "failed", "last_error": reason}
        )
        self.message_post(
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                self.env._(
                    "Webhook %(name)s (%(url)s) was disabled.",
                    name=self.name,
                    url=self.url_masked,
                ),
                reason,
            ),
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )
