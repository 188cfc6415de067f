# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import html2plaintext

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
            timeline.append(step)
        page_steps = [
            step for step in timeline if step["event_type"] in (*const.PAGE_STEPS, "opened")
        ]
        return {
            "link_id": link.id,
            "link_name": link.name,
            "state": link.state,
            "current": timeline[-1] if timeline else False,
            "timeline": timeline,
            "page_left": bool(page_steps and page_steps[-1]["event_type"] == "page_left"),
        }

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
