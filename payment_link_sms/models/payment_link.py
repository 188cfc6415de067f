# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date

from .. import const, utils

_logger = logging.getLogger(__name__)


class PaymentLink(models.Model):
    _name = "payment.link"
    _description = "Payment Link"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    token_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    token_hint = fields.Char(
        string="Token",
        readonly=True,
        copy=False,
        help="Last characters of the link's token: the only part shown after sending.",
    )
    masked_url = fields.Char(string="Link", compute="_compute_urls")
    url = fields.Char(
        string="Full Link",
        compute="_compute_urls",
        help="The full link is known only while it is being sent; elsewhere it is masked.",
    )
    state = fields.Selection(
        selection=const.STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
    )
    is_live = fields.Boolean(string="Live", compute="_compute_is_live", search="_search_is_live")
    expiration_date = fields.Datetime(required=True, readonly=True, index=True)
    days_left = fields.Integer(compute="_compute_is_live")
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(comodel_name="res.currency", required=True, readonly=True)
    amount = fields.Monetary(
        string="Amount Requested",
        readonly=True,
        help="What was due when the link was sent. In the analysis, a link replaced by a "
        "resend is left out: each document's request counts once.",
    )
    amount_paid = fields.Monetary(
        readonly=True,
        copy=False,
        help="What the customer paid through this link (every part of a partial payment).",
    )
    is_partly_paid = fields.Boolean(
        string="Partly Paid",
        compute="_compute_is_partly_paid",
        store=True,
        help="Part of the amount was paid through the link; it stays usable for the rest until "
        "it expires.",
    )
    amount_refunded = fields.Monetary(
        compute="_compute_amount_refunded",
        store=True,
        help="What was refunded of the link's payments through Odoo's refund flow "
        "(requested, pending or done).",
    )
    amount_refundable = fields.Monetary(
        string="Refundable",
        compute="_compute_amount_refundable",
        help="What can still be refunded of a paid link's payments.",
    )
    amount_net = fields.Monetary(
        string="Paid, Net of Refunds",
        compute="_compute_money_state",
        store=True,
        help="What the customer paid through the link, less what was refunded.",
    )
    amount_requested_latest = fields.Monetary(
        string="Requested (Latest Link)",
        compute="_compute_money_state",
        store=True,
        help="The amount requested, counted on each document's latest link only: a link "
        "replaced by a newer one counts 0, so totals count each request once.",
    )
    money_state = fields.Selection(
        selection=const.MONEY_STATES,
        string="Money",
        compute="_compute_money_state",
        store=True,
        index=True,
        help="What happened to the money of the link: not paid, partly paid, paid, partly "
        "refunded or refunded (the link's state says whether it can still be used).",
    )
    money_label = fields.Char(
        string="Payment",
        compute="_compute_money_label",
        help="What was paid and what is left, or what was refunded, in words.",
    )
    paid_after_close = fields.Boolean(
        string="Paid After It Was Closed",
        readonly=True,
        copy=False,
        help="A payment through this link completed after the link was expired, cancelled or "
        "replaced: the money is recorded as the customer's credit, not applied to the document.",
    )
    kind = fields.Selection(
        selection=const.LINK_KINDS,
        default="payment",
        required=True,
        readonly=True,
        help="A payment link sent to the customer (an addon may add kinds: a staff charge of a "
        "card on file).",
    )
    res_model = fields.Char(string="Document Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", readonly=True, index=True
    )
    document_name = fields.Char(string="Document", readonly=True)
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    channel = fields.Selection(selection=const.CHANNELS, required=True, readonly=True)
    phone = fields.Char(string="SMS Number", readonly=True)
    email = fields.Char(string="Email Address", readonly=True)
    lang = fields.Char(string="Language", readonly=True)
    sender_id = fields.Many2one(
        comodel_name="res.users",
        string="Sent By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    salesperson_id = fields.Many2one(
        comodel_name="res.users", string="Salesperson", readonly=True, index=True
    )
    sent_date = fields.Datetime(readonly=True, copy=False, index=True)
    opened_date = fields.Datetime(readonly=True, copy=False)
    paid_date = fields.Datetime(readonly=True, copy=False, index=True)
    sms_state = fields.Selection(
        selection=const.DELIVERY_STATES, string="SMS Delivery", readonly=True, copy=False
    )
    email_state = fields.Selection(
        selection=const.DELIVERY_STATES, string="Email Delivery", readonly=True, copy=False
    )
    delivery_failure_reason = fields.Char(readonly=True, copy=False)
    event_ids = fields.One2many(
        comodel_name="payment.link.event", inverse_name="link_id", string="Events", readonly=True
    )
    transaction_ids = fields.One2many(
        comodel_name="payment.transaction",
        inverse_name="payment_link_id",
        string="Transactions",
        readonly=True,
    )
    paid_transaction_id = fields.Many2one(
        comodel_name="payment.transaction", string="Paying Transaction", readonly=True, copy=False
    )
    replaced_by_id = fields.Many2one(
        comodel_name="payment.link", string="Replaced By", readonly=True, copy=False
    )
    reminder_date = fields.Datetime(string="Reminder Sent", readonly=True, copy=False)
    # Reporting: conversion (average of 100 / 0) and median hours from sent to paid by link.
    paid_by_link = fields.Boolean(compute="_compute_reporting", store=True)
    conversion_rate = fields.Float(
        string="Paid by Link (%)",
        compute="_compute_reporting",
        store=True,
        aggregator="avg",
        help="Share of the requests paid through their link: 100 for a link paid through "
        "itself, 0 otherwise, averaged over the latest link of each document.",
    )
    hours_to_pay = fields.Float(
        string="Hours to Pay",
        compute="_compute_reporting",
        store=True,
        aggregator="median",
        help="Median of the hours from sending to payment, over the links paid through "
        "themselves only (an unpaid link is not counted as 0).",
    )
    token_ids = fields.One2many(
        comodel_name="payment.link.token",
        inverse_name="link_id",
        string="Further Tokens",
        readonly=True,
        groups="base.group_system",
    )

    _sql_constraints = [
        ("token_hash_unique", "UNIQUE(token_hash)", "A payment link token must be unique."),
    ]
    # Medians taken over the rows where the boolean field is set only (see _read_group_select).
    _median_only = {"hours_to_pay": "paid_by_link"}

    # === COMPUTE METHODS === #

    @api.depends("token_hint")
    @api.depends_context("payment_link_urls")
    def _compute_urls(self):
        urls = self.env.context.get("payment_link_urls") or {}
        for link in self:
            link.masked_url = (
                f"{link.get_base_url()}{const.ROUTE_PREFIX}{utils.mask_hint(link.token_hint)}"
            )
            link.url = urls.get(link.id) or link.masked_url

    @api.depends("kind", "state", "paid_transaction_id", "sent_date", "paid_date")
    def _compute_reporting(self):
        for link in self:
            # Payment links only: a card charged or saved by a card request is not a link paid.
            link.paid_by_link = (
                link.kind == "payment" and link.state == "paid" and bool(link.paid_transaction_id)
            )
            link.conversion_rate = 100.0 if link.paid_by_link else 0.0
            link.hours_to_pay = (
                (link.paid_date - link.sent_date).total_seconds() / 3600
                if link.paid_by_link and link.sent_date and link.paid_date
                else False
            )

    @api.depends("state", "amount_paid")
    def _compute_is_partly_paid(self):
        for link in self:
            link.is_partly_paid = link.state in const.LIVE_STATES and not (
                link.currency_id.is_zero(link.amount_paid)
            )

    @api.depends(
        "state",
        "amount_paid",
        "transaction_ids.state",
        "transaction_ids.child_transaction_ids.state",
        "transaction_ids.child_transaction_ids.amount",
    )
    def _compute_amount_refunded(self):
        for link in self:
            payments = link.sudo().transaction_ids._payment_link_payments()
            refundable = sum(tx._payment_link_refundable() for tx in payments)
            link.amount_refunded = link.currency_id.round(
                sum(payments.mapped("amount")) - refundable
            )

    @api.depends("state", "amount_refunded")
    def _compute_amount_refundable(self):
        for link in self:
            payments = link.sudo().transaction_ids._payment_link_payments()
            refundable = sum(tx._payment_link_refundable() for tx in payments)
            link.amount_refundable = refundable if link.state == "paid" else 0.0

    @api.depends("state", "amount", "amount_paid", "amount_refunded", "replaced_by_id")
    def _compute_money_state(self):
        for link in self:
            currency = link.currency_id
            paid = link.amount_paid
            if link.state == "paid" and currency.is_zero(paid):
                # Paid elsewhere (the document closed it) or before amounts were recorded.
                paid = link.amount if link.paid_transaction_id else 0.0
            refunded = link.amount_refunded
            if currency.compare_amounts(refunded, 0) > 0:
                state = (
                    "refunded"
                    if currency.compare_amounts(refunded, paid) >= 0
                    else ("partly_refunded")
                )
            elif link.state == "paid" and currency.compare_amounts(paid, 0) > 0:
                state = "paid"
            elif currency.compare_amounts(link.amount_paid, 0) > 0:
                state = "partly_paid"
            else:
                state = "unpaid"
            link.money_state = state
            link.amount_net = currency.round(link.amount_paid - refunded)
            link.amount_requested_latest = 0.0 if link.replaced_by_id else link.amount

    @api.depends("money_state", "amount", "amount_paid", "amount_refunded")
    @api.depends_context("lang")
    def _compute_money_label(self):
        for link in self:
            link.money_label = link._money_label()

    def _money_label(self, due=None):
        """The money of the link in words ("Partly paid $20.00 of $120.00, $100.00 left",
        "Partly refunded $25.00 of $85.00", "Refunded $85.00"), or False when nothing was paid.

        :param float due: What the document still owes, when known (a charge of part of it).
        """
        self.ensure_one()
        fmt = self.currency_id.format
        paid = self.amount_paid or (self.amount if self.money_state != "unpaid" else 0.0)
        if self.money_state == "refunded":
            return self.env._("Refunded %s", fmt(self.amount_refunded))
        if self.money_state == "partly_refunded":
            return self.env._(
                "Partly refunded %(refunded)s of %(paid)s",
                refunded=fmt(self.amount_refunded),
                paid=fmt(paid),
            )
        if self.money_state == "partly_paid":
            return self.env._(
                "Partly paid %(paid)s of %(amount)s, %(left)s left",
                paid=fmt(paid),
                amount=fmt(self.amount),
                left=fmt(max(self.amount - paid, 0.0)),
            )
        if self.money_state == "paid":
            return self.env._("Paid %s", fmt(paid))
        return False

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        # A median, for "hours to pay": a few slow payers must not hide the usual delay.
        if aggregate_spec.endswith(":median"):
            fname = aggregate_spec.split(":", 1)[0]
            if fname not in self._fields or self._fields[fname].type not in ("float", "integer"):
                raise ValueError(f"Invalid median aggregate {aggregate_spec!r}")
            sql_field = self._field_to_sql(self._table, fname, query)
            median = SQL("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %s)", sql_field)
            only = self._median_only.get(fname)
            if only:
                # Over the rows it means something for: an unpaid link took no "0 hours".
                median = SQL(
                    "%s FILTER (WHERE %s)", median, self._field_to_sql(self._table, only, query)
                )
            return median
        if aggregate_spec == "conversion_rate:avg":
            # The share of payment links paid: card charges and card requests are not counted.
            return SQL(
                "AVG(%s) FILTER (WHERE %s = 'payment')",
                self._field_to_sql(self._table, "conversion_rate", query),
                self._field_to_sql(self._table, "kind", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    @api.depends("state", "expiration_date")
    def _compute_is_live(self):
        now = fields.Datetime.now()
        for link in self:
            link.is_live = link.state in const.LIVE_STATES and (
                not link.expiration_date or link.expiration_date > now
            )
            link.days_left = utils.days_left(link.expiration_date, now) if link.is_live else 0

    def _search_is_live(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported."))
        live_domain = [
            ("state", "in", const.LIVE_STATES),
            ("expiration_date", ">", fields.Datetime.now()),
        ]
        if (operator == "=") == value:
            return live_domain
        return ["!", "&", *live_domain]

    @api.depends("name", "token_hint")
    def _compute_display_name(self):
        for link in self:
            link.display_name = f"{link.name} ({utils.mask_hint(link.token_hint)})"

    # === CRUD === #

    @api.model_create_multi
    def create(self, vals_list):
        unnamed_by_company = {}
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                unnamed_by_company.setdefault(vals.get("company_id"), []).append(vals)
        for company_id, company_vals in unnamed_by_company.items():
            company = self.env["res.company"].browse(company_id) or self.env.company
            names = (
                self.env["ir.sequence"]
                .with_company(company)
                ._next_by_code_batch("payment.link", len(company_vals))
            )
            for vals, name in zip(company_vals, names, strict=True):
                vals["name"] = name
        return super().create(vals_list)

    def unlink(self):
        if not self:
            return True
        raise UserError(
            self.env._(
                "Payment links are part of the audit trail and cannot be deleted; "
                "expire or cancel them instead."
            )
        )

    # === ACTIONS (public API, callable over XML-RPC) === #

    def action_expire(self):
        """Expire the live links of ``self`` now; a link that is not live is left unchanged.

        :return: True
        """
        self._ensure_manage_rights()
        self.sudo()._set_state("expired", reason=self.env._("Expired by %s", self.env.user.name))
        return True

    def action_resend(self):
        """Cancel this link and send a new one, with a fresh validity, on the same channel.

        :return: The id of the new link.
        :rtype: int
        """
        return self.env["payment.link.send.service"]._resend(self)[0].id

    def action_resend_dialog(self):
        """Resend (see :meth:`action_resend`) and show the sender the new link, in full, once.

        :return: The sent dialog of the new link.
        """
        new_link, urls = self.env["payment.link.send.service"]._resend(self)
        return self.env["payment.link.send.service"]._sent_dialog(new_link, urls, open_link=True)

    def action_refund(self, amount=None, reason=None):
        """Refund this paid link, all or part, through Odoo's refund flow
        (``payment.transaction.action_refund``), as the provider and the document allow.

        :param float amount: What to refund (default: all that is left to refund).
        :param str reason: Why (audited with the refund).
        :return: The id of the refund transaction.
        :rtype: int
        :raise UserError: Nothing is refunded nor created when the refund is refused.
        """
        self.ensure_one()
        self._ensure_manage_rights(self.env._("You are not allowed to refund payment links."))
        self._lock_for_refund()
        if self.state != "paid":
            raise UserError(
                self.env._("Link %s is not paid: there is nothing to refund.", self.name)
            )
        payments = self.sudo().transaction_ids._payment_link_payments()
        payment, amount = payments._payment_link_refund_source(self, amount)
        refusal = self._get_document()._payment_link_refund_refusal(self, amount)
        if refusal:
            raise UserError(refusal)
        before = payment.child_transaction_ids
        # As the user: Odoo's own refund flow checks its rights on the transaction.
        self.env["payment.transaction"].browse(payment.id).action_refund(amount_to_refund=amount)
        payment.invalidate_recordset(["child_transaction_ids"])
        refund = (payment.child_transaction_ids - before).filtered(
            lambda tx: tx.operation == "refund"
        )
        return payment._payment_link_log_refund(refund, reason).id

    def _lock_for_refund(self):
        """One refund of the link at a time (two clicks, two users, two API calls): the link's
        row is locked without waiting, the others refused at once; and written, so that under
        REPEATABLE READ a refund whose snapshot predates one committed meanwhile fails to
        serialize (Odoo retries it, and the retry sees the first refund).

        :raise UserError: When the link is being refunded (or paid) right now.
        """
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM payment_link WHERE id = %s FOR UPDATE NOWAIT",
                    [self.id],
                    log_exceptions=False,
                )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "Link %s is being refunded or paid right now: try again in a moment.",
                    self.name,
                )
            ) from None
        self.env.cr.execute(
            "UPDATE payment_link SET write_date = write_date WHERE id = %s", [self.id]
        )
        self.invalidate_recordset(["state", "transaction_ids"])

    def action_view_document(self):
        self.ensure_one()
        self.check_access("read")
        document = self._get_document()
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "views": [(False, "form")],
        }

    # === BUSINESS METHODS: rights, documents === #

    def _ensure_manage_rights(self, message=None):
        """Only the members of ``payment_link_sms.group_payment_link_user`` may send, expire,
        resend or refund links, on links they can read.

        :param str message: The refusal (default: the one of sending, expiring, resending).
        """
        if not self.env.su and not self.env.user.has_group(
            "payment_link_sms.group_payment_link_user"
        ):
            raise AccessError(
                message
                or self.env._("You are not allowed to send, expire or resend payment links.")
            )
        self.check_access("read")

    def _get_document(self):
        """Return the document (invoice, order...) the link asks payment for, or an empty one."""
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env or not self.res_id:
            return self.env["payment.link.mixin"]
        document = self.env[self.res_model].browse(self.res_id)
        # Read in this transaction (a deletion empties the whole cache): it exists, no query.
        # The pay page asks for the document a few times per view.
        if "create_date" in document._fields and self.env.cache.contains(
            document, document._fields["create_date"]
        ):
            return document
        return document.exists()

    def _build_url(self, token):
        self.ensure_one()
        return f"{self.get_base_url()}{const.ROUTE_PREFIX}{token}"

    def _get_expiration_local_date(self):
        """The expiry date in the customer's (else the company's) timezone, for messages."""
        self.ensure_one()
        tz = self.partner_id.tz or self.company_id.partner_id.tz or "UTC"
        return fields.Datetime.context_timestamp(
            self.with_context(tz=tz), self.expiration_date
        ).date()

    def _format_expiration(self, lang_code=None):
        """The expiry date formatted by Babel for ``lang_code`` (default: the user's)."""
        self.ensure_one()
        return format_date(self.env, self._get_expiration_local_date(), lang_code=lang_code)

    # === BUSINESS METHODS: lifecycle === #

    def _set_state(self, target, reason=False, values=None, event_values=None, log_document=True):
        """Move links to ``target`` when their current state allows it, with an audit event.

        :param str target: The target state.
        :param str reason: Why (stored on the event).
        :param dict values: Extra values written on the moved links.
        :param dict event_values: Extra values of the events.
        :param bool log_document: Whether to summarise the change in the document's chatter.
        :return: The links that moved.
        """
        allowed = const.STATE_TRANSITIONS[target]
        moving = self.filtered(lambda link: link.state in allowed)
        for link in self - moving:
            _logger.info("payment link %s: state %s -> %s ignored", link.name, link.state, target)
        if not moving:
            return moving
        stamp = {"paid": "paid_date"}.get(target)
        moving.sudo().write(
            {
                "state": target,
                **({stamp: fields.Datetime.now()} if stamp else {}),
                **(values or {}),
            }
        )
        moving._log_events(target, reason=reason, **(event_values or {}))
        moving._tell_documents(target, reason)
        if log_document and target in ("expired", "cancelled", "paid"):
            self.env["payment.link.event"]._log_state_on_documents(moving, target, reason)
        if target in ("expired", "cancelled"):
            moving._with_company_lang().transaction_ids._payment_link_cancel_open_attempts()
        return moving

    def _tell_documents(self, target, reason=False):
        """Tell the documents of ``self`` that their link moved to ``target``
        (``_payment_link_state_changed``)."""
        for model, links in self.grouped("res_model").items():
            if model and model in self.env:
                # No exists() query: a document reads itself only if it follows its links.
                documents = self.env[model].browse(set(links.mapped("res_id")))
                documents._payment_link_state_changed(target, reason)

    def _log_events(self, event_type, **values):
        return (
            self.env["payment.link.event"]
            .sudo()
            .create(
                [
                    # The company given: the event's stored related field needs no update.
                    {
                        "link_id": link.id,
                        "company_id": link.company_id.id,
                        "event_type": event_type,
                        **values,
                    }
                    for link in self
                ]
            )
        )

    @api.model
    def _cron_expire_links(self):
        """Expire the links whose validity ended (scheduled action)."""
        due = self.sudo().search(
            [("state", "in", const.LIVE_STATES), ("expiration_date", "<=", fields.Datetime.now())]
        )
        due._set_state("expired", reason=self.env._("Validity ended"))
        return True

    @api.model
    def _cron_send_reminders(self):
        """Send the reminders that are due (scheduled action; see the sending service)."""
        self.env["payment.link.send.service"]._send_reminders()
        return True

    def _cancel_for_documents(self, reason):
        """Stop the live links of ``self`` (their document can no longer be paid)."""
        return self.filtered(lambda link: link.state in const.LIVE_STATES)._set_state(
            "cancelled", reason=reason
        )

    def _mark_paid(self, transaction=None, reason=False):
        """Record that the links' documents were paid (by ``transaction`` when through a link)."""
        values = {}
        if transaction:
            values = {
                "paid_transaction_id": transaction.id,
                "amount_paid": self.amount_paid + transaction.amount,
            }
        paid = self._set_state(
            "paid",
            reason=reason,
            values=values,
            event_values={"transaction_id": transaction.id} if transaction else None,
            log_document=False,
        )
        self.env["payment.link.event"]._notify_stage(
            paid, "paid", reason=reason
        )  # the document's one message for this stage
        return paid

    # === BUSINESS METHODS: delivery tracking === #

    # === BUSINESS METHODS: public page === #

    def _refresh_page_state(self):
        """Bring the link's state up to date for the pay page, then classify it: a link whose
        validity ended is expired, one whose document was paid elsewhere is marked paid, one
        whose document can no longer be paid is cancelled (each with its event).

        :return: One of 'payable', 'paid', 'expired', 'cancelled', 'replaced', 'unpayable'.
        """
        self.ensure_one()
        if self.state == "paid":
            return "paid"
        if self.state in ("cancelled", "expired") and self.replaced_by_id:
            return "replaced"
        if self.state in ("cancelled", "expired"):
            return self.state
        if self.expiration_date <= fields.Datetime.now():
            self._set_state("expired", reason=self.env._("Validity ended"))
            return "expired"
        document = self._get_document()
        if not document:
            return "cancelled"
        if document._payment_link_is_paid():
            self._mark_paid(reason=self.env._("Document paid"))
            return "paid"
        if not document._paylink_is_payable():
            self._cancel_for_documents(self.env._("The document can no longer be paid"))
            return "cancelled"
        return "payable"

    def _get_page_message(self, page_state):
        """What the customer reads when the link cannot be paid (translated)."""
        return {
            "expired": self.env._("This payment link has expired."),
            "cancelled": self.env._("This payment link is no longer valid."),
            "replaced": self.env._(
                "This payment link was replaced by a newer one: please use the link of the "
                "latest message you received."
            ),
            "paid": self.env._("This payment link was already paid."),
        }.get(page_state, self.env._("This payment link cannot be paid."))

    def _get_amount_due(self):
        """What the customer pays now, always computed on the server from the document."""
        self.ensure_one()
        return self._get_document()._payment_link_amount_due()

    def _validate_payment_amount(self, amount):
        """Return the amount to charge for a payment started with ``amount`` from the page.

        The amount due comes from the document. A different amount is accepted only when the
        company allows partial payment, and then only between 0 (excluded) and the amount due.

        :raise ValidationError: When the amount is not acceptable.
        """
        self.ensure_one()
        due = self._get_amount_due()
        currency = self.currency_id
        asked = due if amount is None or amount == "" else utils.parse_amount(amount)
        if asked is None:
            raise ValidationError(
                self.env._("This amount is not valid: the amount due is %s.", currency.format(due))
            )
        if currency.compare_amounts(asked, due) == 0:
            return due
        if (
            self.company_id.payment_link_allow_partial
            and currency.compare_amounts(asked, 0) > 0
            and currency.compare_amounts(asked, due) <= 0
        ):
            return currency.round(asked)
        raise ValidationError(
            self.env._(
                "The amount due is now %s: please reload the page before paying.",
                currency.format(due),
            )
        )

    def _lock_for_payment(self):
        """Make sure a single payment can go through this link at a time.

        The link row is locked (without waiting: a concurrent attempt is refused at once); a
        payment already pending or done blocks a new one; older attempts never confirmed (a tab
        left open, an abandoned 3-D Secure check), or failed but still retryable at the provider
        (see ``payment.transaction._payment_link_replaceable``), are cancelled at the provider,
        so that they can no longer succeed.

        :raise ValidationError: When another payment is under way or done.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM payment_link WHERE id = %s FOR UPDATE NOWAIT", [self.id]
                )
        except psycopg2.errors.LockNotAvailable:
            raise ValidationError(self._busy_message()) from None
        # Under REPEATABLE READ a row lock alone does not serialise two requests whose
        # snapshots overlap: once the first one committed (without writing the row), the second
        # one gets the lock and does not see the first one's attempt. Writing the row makes the
        # second one fail with a serialization error (the request is then retried by Odoo, with
        # a snapshot that sees the first attempt).
        self.env.cr.execute(
            "UPDATE payment_link SET write_date = write_date WHERE id = %s", [self.id]
        )
        self.invalidate_recordset(["transaction_ids", "state"])
        if self.state == "paid" or any(tx._payment_link_blocks() for tx in self.transaction_ids):
            raise ValidationError(self._busy_message())
        replaced = self.transaction_ids._payment_link_replaceable()
        if replaced:
            # Their state message is audited: in the company's language.
            replaced.with_context(lang=self._with_company_lang().env.lang)._payment_link_abort()

    def _busy_message(self):
        return self.env._(
            "A payment through this link is already in progress or done. Please wait a moment "
            "and reload the page."
        )

    # === BUSINESS METHODS: notifications === #

    def _with_company_lang(self):
        """``self`` in the company's language: for what the company's users read (chatter,
        notifications, audit), whoever triggered it (a customer on the pay page, a provider)."""
        lang = self.company_id[:1].partner_id.lang
        return self.with_context(lang=lang) if lang else self

    def _payment_link_receipt_kind(self, transaction):
        """What tells the customer of ``transaction``, a payment done through this link:
        'receipt' (they paid on the link's page), 'charge_notice' (a saved card charged
        without them: an off-session payment by token) or False (nothing: a card saved
        without payment). Its words are the document's (``_payment_link_message_templates``);
        an addon whose links are of another kind overrides this."""
        self.ensure_one()
        if transaction.operation in ("validation", "refund"):
            return False
        if transaction.operation == "offline" and transaction.token_id:
            return "charge_notice"
        return "receipt"

    def _payment_link_receipt_token(self):
        """The access token of the link's receipt page, for the customer's receipt: signed
        for that page only (not the landing page, nor "Try again"), valid
        ``const.RECEIPT_TOKEN_DAYS`` days."""
        # The landing page's signature (one scheme for every page after a payment).
        from ..controllers.portal import PaymentLinkPortal

        self.ensure_one()
        expires = fields.Datetime.now() + timedelta(days=const.RECEIPT_TOKEN_DAYS)
        return PaymentLinkPortal._payment_link_landing_token(
            self, "receipt", expires=int(expires.timestamp())
        )

    def _get_notified_users(self):
        self.ensure_one()
        company = self.company_id
        users = self.env["res.users"]
        if company.payment_link_notify_salesperson:
            users |= self.salesperson_id
        if company.payment_link_notify_sender:
            users |= self.sender_id
        users |= company.payment_link_notify_user_ids
        return users.filtered(lambda user: user.active and not user.share)

    # === BUSINESS METHODS: saving the card (hooks of a card addon) === #

    def _is_validation(self):
        """Whether the link's page saves a card without paying (its document type says so:
        ``_payment_link_is_validation``), read from the model, without loading the document."""
        self.ensure_one()
        model = self.res_model if self.res_model in self.env else "payment.link.mixin"
        return self.env[model]._payment_link_is_validation()

    def _payment_link_result_templates(self):
        """The pages after a payment: ``{'paid': xmlid, 'status': xmlid}`` (hook: a card addon
        gives its own for a card saved without paying)."""
        self.ensure_one()
        return {
            "paid": "payment_link_sms.pay_page_receipt",
            "status": "payment_link_sms.pay_page_status",
        }

    def _payment_link_save_card_mode(self):
        """How the page treats saving the customer's card: 'required', 'offered' (an unticked
        box) or 'off'. Hook: the engine saves no card but on a validation page; a card addon
        offers it."""
        self.ensure_one()
        return "required" if self._is_validation() else "off"

    def _payment_link_save_card_choice(self, requested):
        """Whether the payment saves the card, from the page's box (``requested``): never when
        the page does not offer it, always when it is required."""
        mode = self._payment_link_save_card_mode()
        return mode == "required" or (mode == "offered" and requested is True)

    def _payment_link_consent_text(self):
        """The consent text shown on the page above the card form, or False (hook of a card
        addon)."""
        self.ensure_one()
        return False

    def _payment_link_save_card_transaction_values(self, ip_address, user_agent):
        """Extra values of the transaction of a payment that saves the card (the consent
        given on the page, kept until the card is saved): hook of a card addon.

        :param str ip_address: The customer's address, as the request gives it.
        :param str user_agent: The customer's browser.
        :rtype: dict
        """
        self.ensure_one()
        return {}

    # === BUSINESS METHODS: the customer's progress, live === #
    # Every step is a payment.link.event; the agent's view of them: payment.link.progress.

    def _log_page_step(self, step, user_agent=None):
        """Record a step of the customer on the pay page (see ``payment.link.progress``)."""
        return self.env["payment.link.progress"]._log_page_step(self, step, user_agent=user_agent)

    @api.model
    def get_payment_link_progress(self, res_model, res_id):
        """The customer's progress for the agent's widget, read with the caller's rights.

        :param str res_model: ``payment.link`` or a payable document's model.
        :param int res_id: The record.
        :return: ``{}`` when the caller may not read it, else the latest link's current step,
                 its timeline (oldest first) and whether the customer left the page.
        """
        return self.env["payment.link.progress"]._progress_values(res_model, res_id)
