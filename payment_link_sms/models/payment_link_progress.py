# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_date, html2plaintext

from .. import const


class PaymentLinkProgress(models.AbstractModel):
    """The customer's progress, live, as the agent sees it: a service, as the sending is.

    Every step is a ``payment.link.event``: the server's own (delivered, opened, payment
    started, paid, failed, refunded...) and those the pay page's script reports through
    ``/pay/progress`` (``const.PAGE_STEPS``). Each new event is announced on the bus to the
    link's and its document's progress channels (``payment.link.event._send_progress``), to
    which only the users who may read the record subscribe (``ir.websocket``); the notification
    names the step only, and the agent's widget reads the progress through
    ``payment.link.get_payment_link_progress`` with the reader's own rights.
    """

    _name = "payment.link.progress"
    _description = "Payment Link Customer Progress"

    @api.model
    def _log_page_step(self, link, step, user_agent=None):
        """Record a step of the customer on the pay page (``const.PAGE_STEPS`` only).

        Bounded: the step is not logged again while it is the link's latest page step (a form
        focused ten times is one step), nor beyond ``const.PAGE_STEP_EVENTS_PER_WINDOW`` steps
        per link and window; a step on a link that cannot be paid is ignored.

        :return: The new event, or an empty recordset.
        """
        link.ensure_one()
        Event = self.env["payment.link.event"].sudo()
        if step not in const.PAGE_STEPS or not link.is_live or link.state == "paid":
            return Event
        since = fields.Datetime.now() - timedelta(minutes=const.AUDIT_WINDOW_MINUTES)
        domain = [
            ("link_id", "=", link.id),
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
        return link._log_events(
            step, user_agent=(user_agent or "")[: const.USER_AGENT_MAX_LENGTH] or False
        )

    @api.model
    def _progress_values(self, res_model, res_id):
        """What ``payment.link.get_payment_link_progress`` answers: ``{}`` when the caller may
        not read the record, else its latest link's current step, its timeline (oldest first),
        its kind, its expiry and where the customer is on the page."""
        links = self._progress_links(res_model, res_id)
        if not links:
            return {}
        link = links.sorted("id", reverse=True)[:1]
        events = link.event_ids.filtered(
            lambda event: event.event_type in const.PROGRESS_EVENT_TYPES
        ).sorted("id")
        Event = self.env["payment.link.event"]
        kinds = dict(Event._fields["failure_kind"]._description_selection(self.env))
        labels = dict(Event._fields["event_type"]._description_selection(self.env))
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
                    Event._failure_checklist(event.failure_kind)
                    if event.event_type in ("payment_failed", "refund_failed")
                    else []
                ),
            }
            step.update(self._step_words(link, event, labels[event.event_type]))
            timeline.append(step)
        page_steps = [
            step for step in timeline if step["event_type"] in (*const.PAGE_STEPS, "opened")
        ]
        last_page_step = page_steps[-1]["event_type"] if page_steps else False
        link_kinds = dict(link._fields["kind"]._description_selection(self.env))
        return {
            "link_id": link.id,
            "link_name": link.name,
            "kind": link.kind,
            "kind_label": link_kinds.get(link.kind, False),
            "state": link.state,
            "current": timeline[-1] if timeline else False,
            "timeline": timeline,
            "page_left": last_page_step == "page_left",
            "page_back": last_page_step == "page_back",
            "expiry": self._expiry(link),
        }

    @api.model
    def _step_words(self, link, event, label):
        """A timeline step in the agent's words: the channel ("Sent by SMS", "Delivered by
        email"), the kind ("Card charged", "Card request sent by SMS") and who did it, named
        (the customer on the page, not "Public user"; the staff member; nobody for the
        system)."""
        env = self.env
        channel = event.channel or (
            link.channel if event.event_type in ("sent", "resent", "reminder") else False
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
        words = by_kind.get((link.kind, event.event_type)) or by_channel.get(
            (event.event_type, channel)
        )
        refund = event.transaction_id
        if event.event_type == "refunded" and refund:
            paid = link.amount_paid or link.amount
            if link.currency_id.compare_amounts(abs(refund.amount), paid) < 0:
                words = env._("Partly refunded")
        if words and link.kind == "card_request" and event.event_type in ("sent", "resent"):
            words = {
                "sms": env._("%s by SMS", words),
                "email": env._("%s by email", words),
            }.get(channel, words)
        user = event.user_id
        if event.event_type in (*const.PAGE_STEPS, "opened", "payment_started") or (
            user and user._is_public()
        ):
            who = link.partner_id.name  # the customer on the pay page
        elif user and not user._is_superuser() and not user.share:
            who = user.name
        else:
            who = False
        return {"label": words or label, "channel": channel or False, "who": who or False}

    @api.model
    def _status_values(self, document, link):
        """The values of the status widget of ``document`` for ``link``, its latest link.

        The state's badge ("display_state" adds partly paid, partly refunded and refunded to
        the link's states), the money in words, the expiry (future or past), the delivery,
        and the actions, each offered only when the server would accept it from this user.
        """
        document.ensure_one()
        env = self.env
        states = dict(link._fields["state"]._description_selection(env))
        kinds = dict(link._fields["kind"]._description_selection(env))
        currency = document.currency_id
        display_state = link.state or False
        money = link._money_label() if link else False
        if link.money_state in ("partly_refunded", "refunded"):
            display_state = link.money_state
        elif link.is_partly_paid or document._paylink_paid_in_part(link):
            display_state = "partly_paid"
            if link.state == "paid":
                # The link was paid in full, but it asked for part of what is due.
                paid = link.amount_paid or link.amount
                due = document._payment_link_amount_due()
                money = env._(
                    "Partly paid %(paid)s of %(total)s, %(left)s left",
                    paid=currency.format(paid),
                    total=currency.format(paid + due),
                    left=currency.format(due),
                )
        labels = {
            **states,
            "partly_paid": env._("Partly paid"),
            "partly_refunded": env._("Partly refunded"),
            "refunded": env._("Refunded"),
        }
        expiry = False
        if link and link.state in const.LIVE_STATES:
            expiry = document.payment_link_expiry_label and env._(
                "expires %s", document.payment_link_expiry_label
            )
        elif link and link.state == "expired":
            expiry = env._("expired on %s", self._expired_on(link))
        delivery_states = dict(
            document._fields["payment_link_delivery_state"]._description_selection(env)
        )
        delivery = document.payment_link_delivery_state
        return {
            "link_id": link.id or False,
            "link_name": link.name or False,
            "kind": link.kind or False,
            "kind_label": link and kinds.get(link.kind) or False,
            "state": link.state or False,
            "display_state": display_state,
            "state_label": labels.get(display_state, False),
            "money": money or False,
            "expiry": expiry or False,
            "expired": bool(link) and link.state == "expired",
            "delivery_state": delivery or False,
            "delivery_label": delivery and delivery_states.get(delivery) or False,
            "delivery_reason": document.payment_link_delivery_reason or False,
            "actions": document._payment_link_status_actions(link),
        }

    @api.model
    def _expired_on(self, link):
        """When ``link`` expired, in words: the day it was expired (by a user or by its
        validity's end), which may come before its expiry date."""
        link.ensure_one()
        expired = link.sudo().event_ids.filtered(lambda event: event.event_type == "expired")
        when = min([*expired.mapped("date"), link.expiration_date], default=link.expiration_date)
        tz = link.partner_id.tz or link.company_id.partner_id.tz or "UTC"
        local = fields.Datetime.context_timestamp(link.with_context(tz=tz), when)
        return format_date(self.env, local.date())

    @api.model
    def _expiry(self, link):
        """The link's expiry for the agent: to come ("Expires on ...") or past ("Expired on
        ...")."""
        link.ensure_one()
        if not link.expiration_date or link.kind == "card_on_file":
            return False
        date = format_date(self.env, link._get_expiration_local_date())
        if link.state == "expired":
            return {"past": True, "label": self.env._("Expired on %s", self._expired_on(link))}
        if link.expiration_date <= fields.Datetime.now():
            return {"past": True, "label": self.env._("Expired on %s", date)}
        if link.state in const.LIVE_STATES:
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
