# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models, sql_db
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, mute_logger

from .. import const

_logger = logging.getLogger(__name__)


class PaymentLinkEvent(models.Model):
    """One row of a payment link's audit trail: written once, never changed nor deleted.

    Its helpers tell the trail where people read it: the bounded opened / preview / printed
    records of the pay page, the stage notifications to the salesperson and the sender, the
    summaries in the documents' chatter.
    """

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
    # Given in the INSERT (see create), not updated row by row after it.
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
        events = super().create(self._complete_create_values(vals_list))
        events._payment_link_events_created()
        events._send_progress_at_commit()
        return events

    def _payment_link_events_created(self):
        """Hook: ``self`` (new audit events, of any links) were just created, in the
        transaction that made them. Nothing by default; an addon that tells the outside world
        what happened to links extends it (to queue its own messages, never to send them here).
        """

    @api.model
    def _complete_create_values(self, vals_list):
        """Give each row its date, user and company once for all the rows: a bulk send
        creates two events per document, and Odoo would otherwise compute the defaults row by
        row, then update the company of every row after the INSERT.

        :return: A new list of new dicts (the caller's are left as they are).
        """
        context = self.env.context
        defaults = {
            fname: value
            for fname, value in (("date", fields.Datetime.now()), ("user_id", self.env.uid))
            if f"default_{fname}" not in context
        }
        link_ids = {vals["link_id"] for vals in vals_list if vals.get("link_id")}
        links = self.env["payment.link"].sudo().browse(link_ids)
        company_by_link = {link.id: link.company_id.id for link in links}
        completed = []
        for vals in vals_list:
            vals = {**defaults, **vals}
            if "company_id" not in vals and vals.get("link_id") in company_by_link:
                vals["company_id"] = company_by_link[vals["link_id"]]
            completed.append(vals)
        return completed

    def _send_progress_at_commit(self):
        """Announce the steps once the transaction is about to commit, all at once (a bulk
        send logs an event per document: no query per event)."""
        data = self.env.cr.precommit.data
        if "payment_link_sms.progress" not in data:
            data["payment_link_sms.progress"] = []
            env = self.env

            @self.env.cr.precommit.add
            def send_progress():
                ids = data.pop("payment_link_sms.progress", [])
                events = env["payment.link.event"].sudo().browse(ids)
                # Created in this transaction and still in its cache: they exist (a rollback
                # to a savepoint empties the cache); only the others are checked, by a query.
                field = events._fields["event_type"]
                cached = events.filtered(lambda e: env.cache.contains(e, field))
                existing = set((cached | (events - cached).exists()).ids)
                events.filtered(lambda e: e.id in existing)._send_progress()

        data["payment_link_sms.progress"].extend(self.ids)

    @api.model
    def _send_pending_progress(self):
        """Announce now the steps collected so far in this transaction (see
        ``_send_progress_at_commit``) and write their bus rows. A bulk send calls it after each
        batch: what the announcements hold in memory (the events, their links, the bus rows)
        then stays that of one batch instead of growing with the documents. The rows are
        written in the same transaction: they reach the listeners at its commit, as at the
        end."""
        data = self.env.cr.precommit.data
        pending = data.get("payment_link_sms.progress")
        if not pending:
            return
        events = self.sudo().browse(list(pending))
        pending.clear()  # the list stays: the hook at the commit announces what follows
        events._send_progress()
        bus_values = data.get("bus.bus.values")  # Odoo's bus writes them at the commit
        if bus_values:
            self.env["bus.bus"].sudo().create(list(bus_values))
            bus_values.clear()

    def _send_progress(self):
        """Announce each step of the customer's progress on the bus, to the progress channels
        of its link and of the link's document (only the users who may read the record listen
        to them: see ``ir.websocket._build_bus_channel_list``). The notification names the
        step; the agent's widget then reads the progress with its own rights.

        A link created in this transaction has no listener yet (no one could open it before
        the commit): its steps go to its document's channel only (a bulk send of a thousand
        documents writes a thousand bus rows, not two thousand)."""
        Bus = self.env["bus.bus"].sudo()
        new_links = self.filtered(lambda e: e.event_type == "created").link_id
        for event in self.filtered(lambda e: e.event_type in const.PROGRESS_EVENT_TYPES):
            link = event.link_id.sudo()
            payload = {
                "link_id": link.id,
                "res_model": link.res_model or False,
                "res_id": link.res_id or False,
                "event_id": event.id,
                "event_type": event.event_type,
            }
            channels = [] if link in new_links else [(link, const.PROGRESS_SUBCHANNEL)]
            if link.res_model in self.env and link.res_id:
                # No query per event (a bulk send logs one per document): the channel only.
                document = self.env[link.res_model].browse(link.res_id)
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

    # === Helpers: the link's trail, as the pay page and the documents tell it === #

    @api.model
    def _log_opened(self, link, user_agent):
        """Record that a person opened ``link``'s page (the first opening moves the link to
        *opened* and notifies). Called from the rendered page's signal, never from the GET
        alone."""
        link.ensure_one()
        user_agent = (user_agent or "")[: const.USER_AGENT_MAX_LENGTH]
        if link.state == "sent":
            link.sudo().write({"state": "opened", "opened_date": fields.Datetime.now()})
            link._log_events("opened", user_agent=user_agent)
            self._notify_stage(link, "opened")  # the document's one message for this stage
            return
        self._log_bounded(link, "opened", user_agent)

    @api.model
    def _log_preview(self, link, user_agent):
        """Record a link previewer's fetch (a messaging app, a mail scanner): no notification."""
        link.ensure_one()
        self._log_bounded(link, "preview", (user_agent or "")[: const.USER_AGENT_MAX_LENGTH])

    @api.model
    def _log_bounded(self, link, event_type, user_agent):
        """Log ``event_type`` on ``link`` once per browser and window, and at most
        ``const.AUDIT_EVENTS_PER_WINDOW`` times per window: a link holder cannot flood the
        trail by changing user agents."""
        since = fields.Datetime.now() - timedelta(minutes=const.AUDIT_WINDOW_MINUTES)
        Event = self.sudo()
        domain = [
            ("link_id", "=", link.id),
            ("event_type", "=", event_type),
            ("date", ">", since),
        ]
        if Event.search_count(domain + [("user_agent", "=", user_agent or False)], limit=1):
            return Event
        if Event.search_count(domain, limit=const.AUDIT_EVENTS_PER_WINDOW) >= (
            const.AUDIT_EVENTS_PER_WINDOW
        ):
            return Event
        return link._log_events(event_type, user_agent=user_agent)

    @api.model
    def _notify_stage(self, links, event_type, reason=False, amount=None):
        """Post the stage's one message on the documents of ``links``, by the system
        (OdooBot), and tell the salesperson and the sender (as configured per company) what
        happened.

        While a provider's notification of a payment is handled (context key
        ``payment_link_defer_notify``), this is queued instead: the provider gets its answer
        without waiting for it (see ``payment.link.notification``).
        """
        if self.env.context.get("payment_link_defer_notify"):
            self.env["payment.link.notification"]._enqueue(links, event_type, reason, amount)
            return
        notified = False
        for link in links:
            link = link._with_company_lang()
            users = link._get_notified_users()
            document = link._get_document()
            if not document:
                continue
            notified = notified or bool(users)
            labels = {
                "opened": link.env._("opened"),
                "paid": link.env._("paid"),
                "partly_paid": link.env._("partly paid"),
                "payment_failed": link.env._("payment failed"),
                "delivery_failed": link.env._("not delivered"),
                "authentication_required": link.env._("needs the customer's authentication"),
            }
            title = link.env._(
                "Payment link %(link)s %(what)s", link=link.name, what=labels[event_type]
            )
            message = link.env._(
                "%(document)s (%(partner)s, %(amount)s): %(what)s.",
                document=link.document_name,
                partner=link.partner_id.display_name,
                amount=link.currency_id.format(self._notified_amount(link, event_type, amount)),
                what=labels[event_type],
            )
            if reason:
                message = f"{message} {reason}"
            # Queued, not sent within the request: a customer's page or the provider's
            # notification must not wait for the mail server.
            document.sudo().with_context(mail_notify_force_send=False).message_post(
                body=message,
                subject=title,
                partner_ids=users.partner_id.ids,
                subtype_xmlid="mail.mt_note",
                author_id=self.env.ref("base.partner_root").id,
            )
            users._bus_send(
                "simple_notification",
                {
                    "type": "danger"
                    if event_type
                    in ("payment_failed", "delivery_failed", "authentication_required")
                    else "success"
                    if event_type == "paid"
                    else "info",
                    "title": title,
                    "message": message,
                    "sticky": event_type != "opened",
                },
            )
        if notified:
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()

    @api.model
    def _notified_amount(self, link, event_type, amount=None):
        """The amount a notification states: what was actually paid for a payment, else what
        the link asks."""
        link.ensure_one()
        if amount is not None:
            return amount
        if event_type == "paid" and link.paid_transaction_id:
            return link.amount_paid
        return link.amount

    @api.model
    def _log_sent_on_documents(self, summaries, kind="request"):
        """Summarise each sending in the document's chatter, the link masked.

        :param dict summaries: {link: [(channel, recipient, masked text)]}.
        """
        by_model = {}
        formatted_dates = {}  # links sent together mostly share their expiry date
        for link, lines in summaries.items():
            local_date = link._get_expiration_local_date()
            if local_date not in formatted_dates:
                formatted_dates[local_date] = format_date(self.env, local_date)
            if kind == "request":
                title = self.env._(
                    "Payment link %(link)s sent, valid until %(date)s.",
                    link=link.display_name,
                    date=formatted_dates[local_date],
                )
            else:
                title = self.env._(
                    "Payment reminder for link %(link)s sent, valid until %(date)s.",
                    link=link.display_name,
                    date=formatted_dates[local_date],
                )
            body = Markup("<p>%s</p>") % title
            for channel, recipient, masked in lines:
                label = dict(link._fields["channel"]._description_selection(link.env))[channel]
                body += Markup("<p><b>%s</b> %s</p><blockquote>%s</blockquote>") % (
                    label,
                    recipient,
                    masked,
                )
            by_model.setdefault(link.res_model, {})[link.res_id] = body
        for model, bodies in by_model.items():
            self.env[model].browse(list(bodies)).sudo()._message_log_batch(bodies=bodies)

    @api.model
    def _log_state_on_documents(self, links, target, reason):
        """Tell each document of ``links`` in its chatter that its link moved to ``target``."""
        by_model = {}
        for link in links:
            link = link._with_company_lang()
            label = (
                dict(link._fields["state"]._description_selection(link.env)).get(target)
                or dict(
                    link.env["payment.link.event"]
                    ._fields["event_type"]
                    ._description_selection(link.env)
                )[target]
            )
            body = Markup("<p>%s</p>") % link.env._(
                "Payment link %(link)s: %(state)s.", link=link.display_name, state=label
            )
            if reason:
                body += Markup("<p>%s</p>") % reason
            by_model.setdefault(link.res_model, {})[link.res_id] = body
        author = self.env.ref("base.partner_root")
        for model, bodies in by_model.items():
            if model and model in self.env:
                self.env[model].browse(list(bodies)).sudo()._message_log_batch(
                    bodies=bodies, author_id=author.id
                )

    @api.model
    def _failure_checklist(self, kind):
        """What to tell the customer after a failure of ``kind`` (``const.FAILURE_KINDS``)."""
        return {
            "declined": [
                self.env._("Ask for another card."),
                self.env._("Or ask them to call their bank to allow the payment, then try again."),
            ],
            "insufficient_funds": [
                self.env._("Ask for another card or account."),
                self.env._("The bank refused for lack of funds: no need to retry the same card."),
            ],
            "authentication_failed": [
                self.env._(
                    "Ask them to approve the payment in their bank's app, or with the code "
                    "their bank sends by SMS."
                ),
                self.env._("Then try again: the link still works."),
            ],
            "expired_card": [
                self.env._("Check the expiry date (MM/YY, on the front of the card)."),
                self.env._("Or ask for another card."),
            ],
            "incorrect_cvc": [
                self.env._(
                    "The security code is the 3 digits on the back of the card (4 digits on "
                    "the front for American Express)."
                ),
                self.env._("Then try again: the link still works."),
            ],
            "cancelled": [
                self.env._("Ask whether they meant to stop, then to try again."),
            ],
        }.get(
            kind,
            [
                self.env._("Ask them to try again, or with another card."),
                self.env._("If it fails again, ask them to call their bank."),
            ],
        )

    # === DELIVERY TRACKING === #

    @api.model
    def _update_delivery(self, links, channel, delivery_state, reason=False):
        """Record a delivery status of ``links``' messages from the SMS provider or the mail
        server.

        Only forward moves are recorded (a late "accepted" never hides "delivered"), and each
        delivered / failed status is audited once.

        :return: The links whose status moved.
        """
        field = "sms_state" if channel == "sms" else "email_state"
        rank = {"queued": 0, "accepted": 1, "delivered": 2, "failed": 2}
        moving = links.filtered(
            lambda link: (
                link[field] != delivery_state
                and rank[delivery_state] >= rank.get(link[field] or "queued", 0)
            )
        )
        if not moving:
            return moving
        values = {field: delivery_state}
        if delivery_state == "failed":
            values["delivery_failure_reason"] = reason
        moving.sudo().write(values)
        if delivery_state in ("delivered", "failed"):
            event_type = "delivered" if delivery_state == "delivered" else "delivery_failed"
            moving._log_events(event_type, channel=channel, reason=reason)
            if delivery_state == "failed":
                self.env["payment.link.event"]._notify_stage(
                    moving, "delivery_failed", reason=reason
                )
        return moving

    @api.model
    def _update_delivery_from_outbox(self, links, channel, delivery_state, reason=False):
        """Record a delivery status from Odoo's SMS or email queue without ever failing it.

        The message is already with the provider: if the queue's transaction failed, Odoo
        would keep the message outgoing and send it again. The link's row may have been
        written since that transaction's snapshot (the other channel's status arriving at the
        same moment), a serialization failure under REPEATABLE READ: the status is then
        recorded once the queue's transaction has committed, in a transaction of its own.
        """
        try:
            # Muted first, so that the savepoint's flush on leaving is muted too: the failure is
            # expected and handled here, no ERROR "bad query" line in the log
            # (as Odoo does for an expected violation, account's partner.py).
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self._update_delivery(links, channel, delivery_state, reason=reason)
            return
        except psycopg2.errors.SerializationFailure:
            _logger.info("payment link %s status recorded after a concurrent update", channel)
        dbname, link_ids = self.env.cr.dbname, links.ids

        @self.env.cr.postcommit.add
        def update_after_commit():
            for _attempt in range(3):
                try:
                    with mute_logger("odoo.sql_db"), sql_db.db_connect(dbname).cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        env["payment.link.event"]._update_delivery(
                            env["payment.link"].browse(link_ids),
                            channel,
                            delivery_state,
                            reason=reason,
                        )
                    return
                except psycopg2.errors.SerializationFailure:
                    continue

    @api.model
    def _recent_message_counts(self, recipients):
        """How many payment link messages each of ``recipients`` (numbers, addresses) received
        in the last hour, in one query: ``{recipient: count}``."""
        if not recipients:
            return {}
        self.env["payment.link.event"].flush_model(["event_type", "date", "recipient"])
        self.env.cr.execute(
            SQL(
                """
                SELECT recipient, count(*) FROM payment_link_event
                 WHERE event_type IN ('sent', 'reminder') AND date >= %s AND recipient IN %s
                 GROUP BY recipient
                """,
                fields.Datetime.now() - timedelta(hours=1),
                tuple(recipients),
            )
        )
        return dict(self.env.cr.fetchall())
