# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import calendar
import json
import logging
import secrets
import time
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models, modules, tools

from odoo.addons.payment_link_sms import const as engine_const

from .. import const
from .payment_link_webhook import WebhookError, sign

_logger = logging.getLogger(__name__)


class PaymentLinkWebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row until it is delivered, then its log.

    The body is built once, when the link event happens, and sent byte for byte on every
    attempt (only the signature's timestamp changes), so a receiver sees the same event id and
    the same content on a retry. Deliveries are made by a scheduled action, never inside the
    request that caused the event.
    """

    _name = "payment.link.webhook.delivery"
    _description = "Payment Link Webhook Delivery"
    _order = "id desc"
    _rec_name = "event_uid"

    webhook_id = fields.Many2one(
        comodel_name="payment.link.webhook",
        string="Endpoint",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="webhook_id.company_id", store=True, index=True)
    link_id = fields.Many2one(
        comodel_name="payment.link", readonly=True, index=True, ondelete="set null"
    )
    link_event_id = fields.Many2one(
        comodel_name="payment.link.event", readonly=True, ondelete="set null"
    )
    event_uid = fields.Char(
        string="Event ID", required=True, readonly=True, index=True, help="Same on every retry."
    )
    event_type = fields.Char(string="Event", required=True, readonly=True)
    payload = fields.Text(readonly=True, help="The JSON body, as sent.")
    state = fields.Selection(
        selection=[("pending", "Pending"), ("done", "Delivered"), ("failed", "Given up")],
        required=True,
        default="pending",
        readonly=True,
        index=True,
    )
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    next_attempt_date = fields.Datetime(readonly=True, index=True)
    last_attempt_date = fields.Datetime(readonly=True)
    done_date = fields.Datetime(string="Delivered On", readonly=True)
    last_status_code = fields.Integer(string="Last HTTP Status", readonly=True)
    last_error = fields.Char(readonly=True)

    # === OUTBOX === #

    @api.model
    @tools.ormcache()
    def _company_ids_with_webhooks(self):
        """Companies with an active endpoint (cached: a link event costs no query without)."""
        webhooks = self.env["payment.link.webhook"].sudo().search([])
        return frozenset(webhooks.company_id.ids)

    @api.model
    def _enqueue(self, events):
        """Queue a delivery of each of ``events`` (payment.link.event) to the endpoints of its
        link's company that asked for its type.

        While a provider's notification of a payment is handled (context key
        ``payment_link_defer_notify``), the provider waits for the answer: the body is built
        now (the event as it happened), the outbox rows are made from the notification queue
        right after the commit (``payment.link.notification``), in the events' order.
        """
        companies = self._company_ids_with_webhooks()
        events = events.filtered(
            lambda e: e.event_type in const.WEBHOOK_TYPE_OF and e.link_id.company_id.id in companies
        )
        if not events:
            return self.browse()
        bodies = []
        for event in events:
            webhook_type = const.WEBHOOK_TYPE_OF[event.event_type]
            uid = "evt_" + secrets.token_hex(12)
            bodies.append((event, uid, self._build_payload(event, webhook_type, uid)))
        if self.env.context.get("payment_link_defer_notify"):
            self.env["payment.link.notification"]._enqueue_webhook_events(bodies)
            return self.browse()
        return self._create_deliveries(bodies)

    @api.model
    def _create_deliveries(self, bodies):
        """The outbox rows of the events' bodies, one per endpoint of the link's company that
        asked for the event's type, and the delivery's scheduled action triggered.

        :param list bodies: ``[(payment.link.event, event uid, JSON body)]``.
        """
        events = self.env["payment.link.event"].concat(*(event for event, _uid, _body in bodies))
        webhooks = (
            self.env["payment.link.webhook"]
            .sudo()
            .search([("company_id", "in", events.link_id.company_id.ids)])
        )
        now = fields.Datetime.now()
        vals_list = []
        for event, uid, payload in bodies:
            webhook_type = const.WEBHOOK_TYPE_OF[event.event_type]
            targets = webhooks.filtered(
                lambda w, e=event, t=webhook_type: (
                    w.company_id == e.link_id.company_id and w._wants(t)
                )
            )
            vals_list += [
                {
                    "webhook_id": webhook.id,
                    "link_id": event.link_id.id,
                    "link_event_id": event.id,
                    "event_uid": uid,
                    "event_type": webhook_type,
                    "payload": payload,
                    "next_attempt_date": now,
                }
                for webhook in targets
            ]
        deliveries = self.sudo().create(vals_list)
        if deliveries:
            self.env.ref("payment_link_sms_webhook.ir_cron_payment_link_webhook")._trigger()
        return deliveries

    @api.model
    def _build_payload(self, event, webhook_type, uid):
        """The JSON body of ``event``: what happened and the link's state, without its token
        or full URL (only the token's last characters)."""
        link = event.link_id.sudo()
        to_string = fields.Datetime.to_string
        body = {
            "id": uid,
            "object": "event",
            "type": webhook_type,
            "created": calendar.timegm(event.date.utctimetuple()),
            "data": {
                "object": {
                    "object": "payment_link",
                    "reference": link.name,
                    "token_last4": link.token_hint,
                    "state": link.state,
                    "document": {
                        "model": link.res_model,
                        "id": link.res_id,
                        "name": link.document_name,
                    },
                    "partner": {"id": link.partner_id.id, "name": link.partner_id.display_name},
                    "company": {"id": link.company_id.id, "name": link.company_id.name},
                    "amount": link.amount,
                    "amount_paid": link.amount_paid,
                    "currency": link.currency_id.name,
                    "channel": link.channel,
                    "expiration_date": to_string(link.expiration_date),
                    "sent_date": to_string(link.sent_date) if link.sent_date else None,
                    "opened_date": to_string(link.opened_date) if link.opened_date else None,
                    "paid_date": to_string(link.paid_date) if link.paid_date else None,
                },
                "event": {
                    "date": to_string(event.date),
                    "channel": event.channel or None,
                    "reason": event.reason or None,
                },
            },
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    # === DELIVERY === #

    @api.model
    def _cron_deliver(self, batch_size=None):
        """Deliver what is due, oldest first; a link's later events wait for its earlier ones
        on the same endpoint (in order per link).

        Each attempt is recorded (and committed) before it is made, with its next retry time:
        a worker killed in the middle of a delivery leaves a delivery to retry later, never
        one that blocks the queue. One endpoint never delays another: after a failure, or
        once it took ``const.WEBHOOK_ENDPOINT_SECONDS_PER_RUN`` seconds in this run, its
        other deliveries wait for the next run.
        """
        batch_size = batch_size or const.WEBHOOK_BATCH_SIZE
        now = fields.Datetime.now()
        done = self.browse()
        spent = {}  # endpoint id: seconds spent in this run
        skipped = set()  # endpoints whose deliveries wait for the next run
        while len(done) < batch_size:
            # Again after each one: a link's next event is due once its previous one is done.
            delivery = self._lock_due(now, 1, exclude_webhook_ids=skipped) - done
            if not delivery:
                break
            webhook_id = delivery.webhook_id.id
            started = time.monotonic()
            delivered = delivery._attempt(now)
            spent[webhook_id] = spent.get(webhook_id, 0.0) + time.monotonic() - started
            if not delivered or spent[webhook_id] >= const.WEBHOOK_ENDPOINT_SECONDS_PER_RUN:
                skipped.add(webhook_id)
            self._commit_progress()  # one delivery's outcome never waits for the next
            done |= delivery
        remaining = self.sudo().search_count(
            [("state", "=", "pending"), ("next_attempt_date", "<=", now)]
        )
        self.env["ir.cron"]._notify_progress(done=len(done), remaining=remaining)
        return done

    @api.model
    def _commit_progress(self):
        """Commit what the delivery cron did so far (never in tests: their savepoints stand
        for it)."""
        if not modules.module.current_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _lock_due(self, now, limit, exclude_webhook_ids=()):
        """Lock and return the due deliveries whose link has no earlier one waiting on the same
        endpoint (skipping those another worker is sending, and the endpoints of
        ``exclude_webhook_ids``)."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """
            SELECT d.id
              FROM payment_link_webhook_delivery d
              JOIN payment_link_webhook w ON w.id = d.webhook_id
             WHERE d.state = 'pending' AND d.next_attempt_date <= %(now)s AND w.active
               AND NOT (d.webhook_id = ANY(%(excluded)s))
               AND NOT EXISTS (
                   SELECT 1 FROM payment_link_webhook_delivery e
                    WHERE e.webhook_id = d.webhook_id AND e.link_id = d.link_id
                      AND e.state = 'pending'
                      -- in the order of the events (a queued event's row is made later)
                      AND (COALESCE(e.link_event_id, 0), e.id)
                        < (COALESCE(d.link_event_id, 0), d.id))
               -- nor an earlier event of its link still in the notification queue (its
               -- outbox rows are made there, after the provider's answer)
               AND NOT EXISTS (
                   SELECT 1 FROM payment_link_notification n
                    WHERE n.link_id = d.link_id AND n.link_event_id < d.link_event_id
                      AND n.attempts < %(max_attempts)s)
             ORDER BY d.id
             LIMIT %(limit)s
               FOR UPDATE OF d SKIP LOCKED
                    """,
                    {
                        "now": now,
                        "limit": limit,
                        "max_attempts": engine_const.NOTIFY_MAX_ATTEMPTS,
                        "excluded": list(exclude_webhook_ids),
                    },
                    log_exceptions=False,
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # Another worker attempted it since this transaction began: the next run takes it.
            return self.sudo().browse()
        return self.sudo().browse(ids)

    def _retry_delay(self, attempts):
        """Seconds before the next attempt after ``attempts`` attempts."""
        return min(
            const.WEBHOOK_FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0),
            const.WEBHOOK_MAX_RETRY_SECONDS,
        )

    def _attempt(self, now):
        """Make one attempt of this delivery (locked by the caller).

        The attempt is written first, with the time of the next one as if it failed, and
        committed (in the cron): if the worker dies while the endpoint answers, the delivery is
        retried then, and the other deliveries are not held. Only the answer's status code and
        reason are kept, never its body.

        :return: Whether it was delivered.
        """
        self.ensure_one()
        webhook = self.webhook_id
        if self.state != "pending" or not webhook.active:  # disabled earlier in the batch
            return False
        attempts = self.attempt_count + 1
        self.write(
            {
                "attempt_count": attempts,
                "last_attempt_date": now,
                "next_attempt_date": now + timedelta(seconds=self._retry_delay(attempts)),
            }
        )
        self._commit_progress()
        body = self.payload.encode()
        timestamp = calendar.timegm(now.utctimetuple())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Odoo payment_link_sms webhooks",
            const.WEBHOOK_SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
            const.WEBHOOK_EVENT_ID_HEADER: self.event_uid,
        }
        status, error = 0, False
        try:
            status, reason = webhook._post(body, headers)
            if not 200 <= status < 300:
                error = f"HTTP {status} {reason}".strip()
        except WebhookError as exc:
            error = str(exc)
        if not error:
            self.write(
                {"last_status_code": status, "state": "done", "done_date": now, "last_error": False}
            )
            webhook._record_success(now)
            return True
        error = error[: const.WEBHOOK_ERROR_MAX_LENGTH]
        values = {"last_status_code": status, "last_error": error}
        if now - self.create_date >= timedelta(days=const.WEBHOOK_RETRY_DAYS):
            values["state"] = "failed"
        self.write(values)
        _logger.info(
            "webhook %s: event %s attempt %s failed: %s",
            webhook.id,
            self.event_uid,
            attempts,
            error,
        )
        webhook._record_failure(error, now)
        return False

    def action_retry(self):
        """Send the given-up deliveries again, now (same event id, same body).

        The deliveries are read-only to their administrators: the caller's right to read them
        is checked, then the retry is written as the system.
        """
        self.check_access("read")
        deliveries_sudo = self.sudo().filtered(lambda d: d.state == "failed")
        deliveries_sudo.write({"state": "pending", "next_attempt_date": fields.Datetime.now()})
        self.env.ref("payment_link_sms_webhook.ir_cron_payment_link_webhook")._trigger()
        return True
