# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_date, html2plaintext

from .. import const


class PaymentLink(models.Model):
    """The customer's progress, live on the agent's screen.

    Every step is a ``payment.link.event``: the server's own (delivered, opened, payment
    started, paid, failed, refunded...) and those the pay page's script reports through
    ``/pay/progress`` (``const.PAGE_STEPS``). Each new event is announced on the bus to the
    link's and its document's progress channels (``payment.link.event._send_progress``), to
    which only the users who may read the record subscribe (``ir.websocket``); the
    notification names the step only, and the agent's widget reads the progress through
    ``get_payment_link_progress`` with the reader's own rights.
    """

    _inherit = "payment.link"

    # === BUSINESS METHODS: steps reported by the pay page === #

    def _log_page_step(self, step, user_agent=None):
        """Record a step of the customer on the pay page (``const.PAGE_STEPS`` only).

        Bounded: the step is not logged again while it is the link's latest page step (a form
        focused ten times is one step), nor beyond ``const.PAGE_STEP_EVENTS_PER_WINDOW`` steps
        per link and window; a step on a link that cannot be paid is ignored.

        :return: The new event, or an empty recordset.
        """
        self.ensure_one()
        Event = self.env["payment.link.event"].sudo()
        if step not in const.PAGE_STEPS or not self.is_live or self.state == "paid":
            return Event
        since = fields.Datetime.now() - timedelta(minutes=const.AUDIT_WINDOW_MINUTES)
        domain = [
            ("link_id", "=", self.id),
            ("event_type", "in", const.PAGE_STEPS),
            ("date", ">", since),
        ]
        latest = Event.search(domain, order="id desc", limit=1)
        if latest.event_type == step:
            return Event
        if Event.search_count(domain, limit=const.PAGE_STEP_EVENTS_PER_WINDOW) >= (
            const.PAGE_STEP_EVENTS_PER_WINDOW
        ):
            return Event
        return self._log_events(
            step, user_agent=(user_agent or "")[: const.USER_AGENT_MAX_LENGTH] or False
        )

    # === BUSINESS METHODS: what the agent sees === #

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

    @api.model
    def get_payment_link_progress(self, res_model, res_id):
        """The customer's progress for the agent's widget, read with the caller's rights.

        :param str res_model: ``payment.link`` or a payable document's model.
        :param int res_id: The record.
        :return: ``{}`` when the caller may not read it, else the latest link's current step,
                 its timeline (oldest first) and whether the customer left the page.
        """
        links = self._progress_links(res_model, res_id)
        if not links:
            return {}
        link = links.sorted("id", reverse=True)[:1]
        events = link.event_ids.filtered(
            lambda event: event.event_type in const.PROGRESS_EVENT_TYPES
        ).sorted("id")
        kinds = dict(
            self.env["payment.link.event"]._fields["failure_kind"]._description_selection(self.env)
        )
        labels = dict(
            self.env["payment.link.event"]._fields["event_type"]._description_selection(self.env)
        )
        timeline = []
        for event in events:
            step = {
                "id": event.id,
                "event_type": event.event_type,
                "label": labels[event.event_type],
                "date": fields.Datetime.to_string(event.date),
                "channel": event.channel or False,
                "reason": html2plaintext(event.reason) if event.reason else False,
                "failure_kind": event.failure_kind or False,
                # "Payment failed" twice says nothing: the kind only when it says why.
                "failure_label": event.failure_kind not in (False, "other")
                and kinds.get(event.failure_kind, False),
                "checklist": (
                    self._failure_checklist(event.failure_kind)
                    if event.event_type in ("payment_failed", "refund_failed")
                    else []
                ),
            }
            step.update(link._progress_step_words(event, labels[event.event_type]))
            timeline.append(step)
        page_steps = [
            step for step in timeline if step["event_type"] in (*const.PAGE_STEPS, "opened")
        ]
        last_page_step = page_steps[-1]["event_type"] if page_steps else False
        kinds = dict(link._fields["kind"]._description_selection(self.env))
        return {
            "link_id": link.id,
            "link_name": link.name,
            "kind": link.kind,
            "kind_label": kinds.get(link.kind, False),
            "state": link.state,
            "current": timeline[-1] if timeline else False,
            "timeline": timeline,
            "page_left": last_page_step == "page_left",
            "page_back": last_page_step == "page_back",
            "expiry": link._progress_expiry(),
        }

    def _progress_step_words(self, event, label):
        """A timeline step in the agent's words: the channel ("Sent by SMS", "Delivered by
        email"), the kind ("Card charged", "Card request sent by SMS") and who did it, named
        (the customer on the page, not "Public user"; the staff member; nobody for the
        system)."""
        self.ensure_one()
        env = self.env
        channel = event.channel or (
            self.channel if event.event_type in ("sent", "resent", "reminder") else False
        )
        by_channel = {
            ("sent", "sms"): env._("Sent by SMS"),
            ("sent", "email"): env._("Sent by email"),
            ("sent", "both"): env._("Sent by SMS and email"),
            ("resent", "sms"): env._("Resent by SMS"),
            ("resent", "email"): env._("Resent by email"),
            ("resent", "both"): env._("Resent by SMS and email"),
            ("reminder", "sms"): env._("Reminder sent by SMS"),
            ("reminder", "email"): env._("Reminder sent by email"),
            ("reminder", "both"): env._("Reminder sent by SMS and email"),
            ("delivered", "sms"): env._("Delivered by SMS"),
            ("delivered", "email"): env._("Delivered by email"),
            ("delivery_failed", "sms"): env._("SMS not delivered"),
            ("delivery_failed", "email"): env._("Email not delivered"),
        }
        by_kind = {
            ("card_on_file", "paid"): env._("Card charged"),
            ("card_on_file", "payment_failed"): env._("Card charge failed"),
            ("card_request", "sent"): env._("Card request sent"),
            ("card_request", "paid"): env._("Card saved"),
            ("card_request", "resent"): env._("Card request resent"),
        }
        words = by_kind.get((self.kind, event.event_type)) or by_channel.get(
            (event.event_type, channel)
        )
        refund = event.transaction_id
        if event.event_type == "refunded" and refund:
            paid = self.amount_paid or self.amount
            if self.currency_id.compare_amounts(abs(refund.amount), paid) < 0:
                words = env._("Partly refunded")
        if words and self.kind == "card_request" and event.event_type in ("sent", "resent"):
            words = {
                "sms": env._("%s by SMS", words),
                "email": env._("%s by email", words),
            }.get(channel, words)
        user = event.user_id
        if event.event_type in (*const.PAGE_STEPS, "opened", "payment_started") or (
            user and user._is_public()
        ):
            who = self.partner_id.name  # the customer on the pay page
        elif user and not user._is_superuser() and not user.share:
            who = user.name
        else:
            who = False
        return {"label": words or label, "channel": channel or False, "who": who or False}

    def _expired_on(self):
        """When the link expired, in words: the day it was expired (by a user or by its
        validity's end), which may come before its expiry date."""
        self.ensure_one()
        expired = self.sudo().event_ids.filtered(lambda event: event.event_type == "expired")
        when = min([*expired.mapped("date"), self.expiration_date], default=self.expiration_date)
        tz = self.partner_id.tz or self.company_id.partner_id.tz or "UTC"
        local = fields.Datetime.context_timestamp(self.with_context(tz=tz), when)
        return format_date(self.env, local.date())

    def _progress_expiry(self):
        """The link's expiry for the agent: to come ("Expires on ...") or past ("Expired on
        ...")."""
        self.ensure_one()
        if not self.expiration_date or self.kind == "card_on_file":
            return False
        date = format_date(self.env, self._get_expiration_local_date())
        if self.state == "expired":
            return {"past": True, "label": self.env._("Expired on %s", self._expired_on())}
        if self.expiration_date <= fields.Datetime.now():
            return {"past": True, "label": self.env._("Expired on %s", date)}
        if self.state in const.LIVE_STATES:
            return {"past": False, "label": self.env._("Expires on %s", date)}
        return False

    @api.model
    def _progress_links(self, res_model, res_id):
        """The links of ``res_model``/``res_id`` that the caller may read (none otherwise)."""
        Link = self.env["payment.link"]
        if not Link.has_access("read") or res_model not in self.env:
            return Link
        model = self.env[res_model]
        if res_model != "payment.link" and not isinstance(model, self.pool["payment.link.mixin"]):
            return Link
        record = model.browse(int(res_id)).exists()
        try:
            record.check_access("read")
        except AccessError:
            return Link
        if not record:
            return Link
        return record if res_model == "payment.link" else record.payment_link_ids

    @api.model
    def _progress_channels(self, channel_names):
        """The bus channels of the progress channel names a web client asked for, among those
        whose record the current user may read (see ``ir.websocket``)."""
        ids_by_model = {}
        for name in channel_names:
            model, _sep, res_id = name[len(const.PROGRESS_CHANNEL_PREFIX) :].rpartition(":")
            if model and res_id.isdigit():
                ids_by_model.setdefault(model, set()).add(int(res_id))
        if not self.env["payment.link"].has_access("read"):
            return []
        channels = []
        for model, ids in ids_by_model.items():
            if model not in self.env:
                continue
            Model = self.env[model]
            if model != "payment.link" and not isinstance(Model, self.pool["payment.link.mixin"]):
                continue
            if not Model.has_access("read"):
                continue
            records = Model.search([("id", "in", list(ids))])  # the user's record rules
            channels.extend((record, const.PROGRESS_SUBCHANNEL) for record in records)
        return channels
