# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models, sql_db
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import (
    SQL,
    consteq,
    format_date,
    hmac,
    html2plaintext,
)

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
        help="A payment link sent to the customer, or a staff charge of a card on file.",
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

    save_card_consent_method = fields.Selection(
        selection=[
            method for method in const.CONSENT_METHODS if method[0] in const.STAFF_CONSENT_METHODS
        ],
        string="Card Consent Given",
        readonly=True,
        copy=False,
        help="The sender recorded the customer's consent to save the card (in person or on the "
        "phone): the page saves the card used, and the consent is recorded once it is saved.",
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

    @api.depends("state", "paid_transaction_id", "sent_date", "paid_date")
    def _compute_reporting(self):
        for link in self:
            link.paid_by_link = link.state == "paid" and bool(link.paid_transaction_id)
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
        return self._resend()[0].id

    def action_resend_dialog(self):
        """Resend (see :meth:`action_resend`) and show the sender the new link, in full, once.

        :return: The sent dialog of the new link.
        """
        new_link, urls = self._resend()
        return new_link._action_sent_dialog(urls, open_link=True)

    def _resend(self):
        """Send a new link replacing this one; return ``(new link, {link id: full URL})``."""
        self.ensure_one()
        self._ensure_manage_rights()
        document = self._get_document()
        if not document:
            raise UserError(
                self.env._(
                    "Link %s has no document to pay any more: it cannot be resent.", self.name
                )
            )
        if self.state == "paid":
            raise UserError(self.env._("Link %s was paid: there is nothing to resend.", self.name))
        was_live = self.state in const.LIVE_STATES
        result = document.with_context(payment_link_resent_from=self.id)._payment_link_send(
            self.channel, phone=self.phone, email=self.email, replace=True
        )
        new_link = result["links"]
        if not new_link:
            raise UserError("\n".join(result["refused"].values()))
        if not was_live:
            # Expired or cancelled: the send replaced nothing live, but this link was resent.
            self.sudo().replaced_by_id = new_link
            self._log_events("resent", reason=self.env._("Resent as a new link"))
        return new_link, result["urls"]

    def action_view_document(self):
        self.ensure_one()
        document = self._get_document()
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "views": [(False, "form")],
        }

    def _action_sent_dialog(self, urls=None, refused=None, open_link=False):
        """The client action telling the sender what went out (the only place, besides the
        message, where the full link is shown: it is not stored).

        :param bool open_link: Offer to open the link's form (after a resend from the old one).
        """
        urls = urls or {}
        channels = dict(self._fields["channel"]._description_selection(self.env))
        links = [
            {
                "id": link.id,
                "name": link.name,
                "document": link.document_name,
                "url": urls.get(link.id) or link.masked_url,
                "channel": channels[link.channel],
                "recipients": ", ".join(filter(None, [link.phone, link.email])),
                "expiration": link._format_expiration(),
            }
            for link in self
        ]
        return {
            "type": "ir.actions.client",
            "tag": "payment_link_sms.sent_dialog",
            "name": self.env._("Payment link sent")
            if len(self) == 1
            else self.env._("%s payment links sent", len(self)),
            "target": "new",
            "params": {
                "links": links,
                "refused": list((refused or {}).values()),
                "open_link_id": self.id if open_link and len(self) == 1 else False,
            },
        }

    # === BUSINESS METHODS: rights, documents === #

    def _ensure_manage_rights(self):
        """Only the members of ``payment_link_sms.group_payment_link_user`` may send, expire or
        resend links, on links they can read."""
        if not self.env.su and not self.env.user.has_group(
            "payment_link_sms.group_payment_link_user"
        ):
            raise AccessError(
                self.env._("You are not allowed to send, expire or resend payment links.")
            )
        self.check_access("read")

    def _get_document(self):
        """Return the document (invoice, order...) the link asks payment for, or an empty one."""
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env or not self.res_id:
            return self.env["payment.link.mixin"]
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.model
    def _get_default_lang(self, partner, company):
        return (
            partner.lang
            or company.partner_id.lang
            or self.env["res.lang"]._get_data(code=self.env.lang).code
            or "en_US"
        )

    @api.model
    def _create_links(self, plans, channel, now=None, sent=False):
        """Create one link per plan; the tokens exist only in the returned URLs.

        :param list plans: dicts with 'document', 'partner', 'company', 'phone', 'email'.
        :param str channel: 'sms', 'email' or 'both'.
        :param datetime now: The time the validity starts from (default: now).
        :param bool sent: Create them as sent, their messages being queued right after in this
                          transaction: each row is written once, not inserted then updated.
        :return: ``(links, urls)`` with ``urls`` a :class:`utils.UrlMap` {link id: full URL}.
        """
        now = now or fields.Datetime.now()
        sent_values = {}
        if sent:
            sent_values = {
                "state": "sent",
                "sent_date": now,
                "sms_state": "queued" if channel in ("sms", "both") else False,
                "email_state": "queued" if channel in ("email", "both") else False,
            }
        tokens, vals_list = [], []
        for plan in plans:
            token = utils.generate_token()
            tokens.append(token)
            vals_list.append(
                {**self._prepare_link_values(plan, channel, token, now), **sent_values}
            )
        links = self.sudo().create(vals_list)
        links._chain_earlier_requests()
        if sent:
            links._tell_documents("sent")
        urls = utils.UrlMap(
            (link.id, link._build_url(token)) for link, token in zip(links, tokens, strict=True)
        )
        links._log_events("created")
        return links, urls

    def _chain_earlier_requests(self):
        """Mark the earlier unpaid links of the documents of ``self`` that are over (expired,
        cancelled) as replaced by the new one: a document's chain of requests counts once in
        the analysis, and their page tells the customer to use the latest message. Live links
        are replaced (and cancelled) by the send itself (``_replace_by``)."""
        if not self:
            return
        new_by_doc = {(link.res_model, link.res_id): link for link in self}
        earlier = self.sudo().search(
            [
                ("res_id", "in", list({link.res_id for link in self})),
                ("id", "not in", self.ids),
                ("replaced_by_id", "=", False),
                ("state", "in", ("expired", "cancelled")),
            ]
        )
        for old in earlier:
            new = new_by_doc.get((old.res_model, old.res_id))
            if new:
                old.replaced_by_id = new

    def _build_url(self, token):
        self.ensure_one()
        return f"{self.get_base_url()}{const.ROUTE_PREFIX}{token}"

    def _issue_tokens(self, channel):
        """Give each link of ``self`` one more token, for a reminder or a printed document.

        The link's earlier tokens keep working; all of them die with the link.

        :param str channel: What carries the token: 'sms', 'email', 'both' or 'print'.
        :return: {link id: full URL} for the new tokens.
        :rtype: utils.UrlMap
        """
        urls, vals_list = utils.UrlMap(), []
        for link in self:
            # On paper, a code a person can type; elsewhere, a URL-safe token.
            token = utils.generate_code() if channel == "print" else utils.generate_token()
            stored = utils.normalize_code(token) if channel == "print" else token
            urls[link.id] = link._build_url(token)
            vals_list.append(
                {
                    "link_id": link.id,
                    "token_hash": utils.hash_token(stored),
                    "token_hint": utils.token_hint(stored),
                    "channel": channel,
                }
            )
        self.env["payment.link.token"].sudo().create(vals_list)
        return urls

    def _replace_by(self, new_links):
        """Cancel the links of ``self`` whose document got one of ``new_links``."""
        new_by_doc = {(link.res_model, link.res_id): link for link in new_links}
        replaced = self.filtered(lambda link: (link.res_model, link.res_id) in new_by_doc)
        if not replaced:
            return replaced
        for old in replaced:
            old.sudo().replaced_by_id = new_by_doc[(old.res_model, old.res_id)]
        replaced._set_state(
            "cancelled", reason=self.env._("Replaced by a new link"), log_document=False
        )
        resent_from = self.env.context.get("payment_link_resent_from")
        if resent_from:
            replaced.filtered(lambda link: link.id == resent_from)._log_events(
                "resent", reason=self.env._("Resent as a new link")
            )
        return replaced

    @api.model
    def _prepare_link_values(self, plan, channel, token, now):
        document, partner, company = plan["document"], plan["partner"], plan["company"]
        return {
            "token_hash": utils.hash_token(token),
            "token_hint": utils.token_hint(token),
            "expiration_date": document._payment_link_expiration_date(
                now + timedelta(days=company.payment_link_validity_days)
            ),
            "partner_id": partner.id,
            "company_id": company.id,
            "currency_id": document.currency_id.id,
            "amount": document._payment_link_amount_due(),
            "res_model": document._name,
            "res_id": document.id,
            "document_name": document.display_name,
            "channel": channel,
            "phone": plan.get("phone") or False,
            "email": plan.get("email") or False,
            "lang": self._get_default_lang(partner, company),
            "sender_id": self.env.user.id,
            "salesperson_id": document._payment_link_salesperson().id,
            "save_card_consent_method": self._save_card_consent_from_context(),
            **document._payment_link_extra_values(),
        }

    @api.model
    def _save_card_consent_from_context(self):
        """The staff consent the send wizard passes (``payment_link_save_card_consent``), for a
        user allowed to record it."""
        method = self.env.context.get("payment_link_save_card_consent")
        if not method:
            return False
        self._ensure_card_consent_rights()
        if method not in const.STAFF_CONSENT_METHODS:
            raise UserError(self.env._("A consent is given in person or on the phone."))
        return method

    def _send_messages(self, urls, kind="request"):
        """Queue the SMS and emails carrying the URLs of ``self``.

        What is stored besides the outgoing message itself (events, chatter) shows the token
        masked. Messages go to Odoo's outboxes and their queues are triggered: a message leaves
        only once the transaction that created its link is committed.

        :param dict urls: {link id: full URL} (see :meth:`_create_links`, :meth:`_issue_tokens`).
        :param str kind: 'request' (the first message) or 'reminder'.
        """
        groups = self.grouped(lambda link: (link.res_model, link.company_id))
        if len(groups) > 1:
            # Each kind of document of each company may have messages of its own.
            for links in groups.values():
                links._send_messages(urls, kind=kind)
            return
        templates = self._get_message_templates(kind)
        links = self.with_context(payment_link_urls=urls)
        token_by_link = {link_id: url.rsplit("/", 1)[1] for link_id, url in urls.items()}
        event_type = "sent" if kind == "request" else "reminder"
        sms_links = links.filtered(lambda link: link.channel in ("sms", "both"))
        email_links = links.filtered(lambda link: link.channel in ("email", "both"))
        events, summaries = [], {}
        if sms_links:
            sms_links._send_sms(templates["sms"], token_by_link, event_type, events, summaries)
        if email_links:
            email_links._send_email(
                templates["email"], token_by_link, event_type, events, summaries
            )
        self.env["payment.link.event"].sudo().create(events)
        now = fields.Datetime.now()
        if kind == "request":
            # Links created by a send are created as sent (see _create_links).
            unsent = self.filtered(lambda link: link.state != "sent")
            unsent.sudo().write({"state": "sent", "sent_date": now})
            unsent._tell_documents("sent")
        else:
            self.sudo().write({"reminder_date": now})
        self._log_sent_on_documents(summaries, kind)

    def _get_message_templates(self, kind="request"):
        """The SMS and email templates of the links of ``self`` (one document model and one
        company): ``{'sms': sms.template, 'email': mail.template}``, as the document says
        (``_payment_link_message_templates``)."""
        link = self[:1]
        if link.res_model in self.env and link.res_id:
            # Not _get_document(): no query to check that the document exists (it does: its
            # link is being sent); a document type whose templates are the default reads none.
            document = self.env[link.res_model].browse(link.res_id)
            return document._payment_link_message_templates(kind)
        return self.env["payment.link.mixin"]._payment_link_message_templates(kind)

    def _send_sms(self, template_xmlid, token_by_link, event_type, events, summaries):
        """Queue the SMS of ``self`` (see ``_send_messages``); add their masked events and
        chatter summaries to ``events`` and ``summaries``."""
        bodies = self._render_sms_bodies(template_xmlid)
        sms_records = (
            self.env["sms.sms"]
            .sudo()
            .create(
                [
                    {
                        "number": link.phone,
                        "body": bodies[link.id],
                        "partner_id": link.partner_id.id,
                        "state": "outgoing",
                    }
                    for link in self
                ]
            )
        )
        self.env["sms.tracker"].sudo().create(
            [
                {"sms_uuid": sms.uuid, "payment_link_id": link.id}
                for link, sms in zip(self, sms_records, strict=True)
            ]
        )
        for link in self:
            masked = utils.mask_token(bodies[link.id], token_by_link[link.id])
            events.append(link._prepare_sent_event(event_type, "sms", link.phone, masked))
            summaries.setdefault(link, []).append(("sms", link.phone, masked))
        self.filtered(lambda link: link.sms_state != "queued").sudo().sms_state = "queued"
        self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()

    def _send_email(self, template_xmlid, token_by_link, event_type, events, summaries):
        """Queue the emails of ``self`` (see ``_send_messages``); add their masked events and
        chatter summaries to ``events`` and ``summaries``."""
        template = utils.as_record(self.env, template_xmlid).sudo()
        mails = template.send_mail_batch(
            self.ids, email_layout_xmlid="mail.mail_notification_light"
        )
        mail_by_link = {mail.res_id: mail for mail in mails}
        for link in self:
            mail = mail_by_link[link.id]
            mail.payment_link_id = link
            text = html2plaintext(mail.body_html or "")
            masked = utils.mask_token(f"{mail.subject}\n\n{text}", token_by_link[link.id])
            events.append(link._prepare_sent_event(event_type, "email", link.email, masked))
            summaries.setdefault(link, []).append(("email", link.email, masked))
        self.filtered(lambda link: link.email_state != "queued").sudo().email_state = "queued"
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()

    def _prepare_sent_event(self, event_type, channel, recipient, masked_text):
        self.ensure_one()
        return {
            "link_id": self.id,
            "event_type": event_type,
            "channel": channel,
            "recipient": recipient,
            "message": masked_text,
        }

    def _render_sms_bodies(self, template_xmlid=None):
        """Render an SMS template for each link, in its language, kept in GSM-7 when possible.

        :return: {link_id: text}
        """
        template = utils.as_record(
            self.env, template_xmlid or self._get_message_templates("request")["sms"]
        ).sudo()
        template = template.with_context(
            payment_link_urls=self.env.context.get("payment_link_urls")
        )
        # `_ids`, not `ids`, below: the wizard previews an unsaved link (a NewId).
        if (template.lang or "").replace(" ", "") == "{{object.lang}}" and not (
            self.env.context.get("template_preview_lang")
        ):
            # The template speaks the link's language: group the links by it rather than
            # render the language expression once per link (what compute_lang does).
            rendered = {}
            for lang, links in self.grouped("lang").items():
                rendered.update(template._render_field("body", list(links._ids), set_lang=lang))
        else:
            rendered = template._render_field("body", list(self._ids), compute_lang=True)
        return {link_id: utils.gsm7_sanitize(body).strip() for link_id, body in rendered.items()}

    def _log_sent_on_documents(self, summaries, kind="request"):
        """Summarise each sending in the document's chatter, the link masked."""
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

    # === BUSINESS METHODS: links inside the documents' own emails === #

    @api.model
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
            moving._log_state_on_documents(target, reason)
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
            .create([{"link_id": link.id, "event_type": event_type, **values} for link in self])
        )

    def _log_state_on_documents(self, target, reason):
        by_model = {}
        for link in self:
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
    def _cron_expire_links(self):
        """Expire the links whose validity ended (scheduled action)."""
        due = self.sudo().search(
            [("state", "in", const.LIVE_STATES), ("expiration_date", "<=", fields.Datetime.now())]
        )
        due._set_state("expired", reason=self.env._("Validity ended"))
        return True

    @api.model
    def _cron_send_reminders(self):
        """Send one reminder per link, on its channel, N days before it expires unpaid
        (N per company; 0 sends none). Paid, cancelled and expired links never get one."""
        now = fields.Datetime.now()
        companies = self.env["res.company"].sudo().search([("payment_link_reminder_days", ">", 0)])
        for company in companies:
            due = self.sudo().search(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", ("sent", "opened")),
                    ("reminder_date", "=", False),
                    ("expiration_date", ">", now),
                    (
                        "expiration_date",
                        "<=",
                        now + timedelta(days=company.payment_link_reminder_days),
                    ),
                ]
            )
            due = due.filtered(lambda link: link._refresh_page_state() == "payable")
            urls = utils.UrlMap()
            for channel, links in due.grouped("channel").items():
                urls.update(links._issue_tokens(channel))
            if due:
                due._send_messages(urls, kind="reminder")
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
        paid._notify("paid", reason=reason)  # the document's one message for this stage
        return paid

    # === BUSINESS METHODS: delivery tracking === #

    def _update_delivery(self, channel, delivery_state, reason=False):
        """Record a delivery status from the SMS provider or the mail server.

        Only forward moves are recorded (a late "accepted" never hides "delivered"), and each
        delivered / failed status is audited once.
        """
        field = "sms_state" if channel == "sms" else "email_state"
        rank = {"queued": 0, "accepted": 1, "delivered": 2, "failed": 2}
        moving = self.filtered(
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
                moving._notify("delivery_failed", reason=reason)
        return moving

    def _update_delivery_from_outbox(self, channel, delivery_state, reason=False):
        """Record a delivery status from Odoo's SMS or email queue without ever failing it.

        The message is already with the provider: if the queue's transaction failed, Odoo
        would keep the message outgoing and send it again. The link's row may have been
        written since that transaction's snapshot (the other channel's status arriving at the
        same moment), a serialization failure under REPEATABLE READ: the status is then
        recorded once the queue's transaction has committed, in a transaction of its own.
        """
        try:
            with self.env.cr.savepoint():
                self._update_delivery(channel, delivery_state, reason=reason)
            return
        except psycopg2.errors.SerializationFailure:
            _logger.info("payment link %s status recorded after a concurrent update", channel)
        dbname, link_ids = self.env.cr.dbname, self.ids

        @self.env.cr.postcommit.add
        def update_after_commit():
            for _attempt in range(3):
                try:
                    with sql_db.db_connect(dbname).cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        env["payment.link"].browse(link_ids)._update_delivery(
                            channel, delivery_state, reason=reason
                        )
                    return
                except psycopg2.errors.SerializationFailure:
                    continue

    # === BUSINESS METHODS: public page === #

    @api.model
    def _get_by_token(self, token):
        """Find a link by its token in constant time; an empty recordset for any miss.

        Every token, well-formed or not, is hashed and looked up, and the hash compared with
        ``consteq``, so that a miss costs the same whatever the token looks like.

        :param str token: The token from the URL.
        :return: The link, sudoed, or an empty recordset.
        """
        token = token if isinstance(token, str) else ""
        # A printed code is stored under the hash of its canonical form (as typed: any case,
        # with or without its dashes); any other token under the hash of itself.
        candidate = utils.hash_token(utils.normalize_code(token) or token)
        self.env.cr.execute(
            """
            SELECT id, token_hash FROM payment_link WHERE token_hash = %s
             UNION ALL
            SELECT link_id, token_hash FROM payment_link_token WHERE token_hash = %s
             LIMIT 1
            """,
            [candidate, candidate],
        )
        row = self.env.cr.fetchone()
        stored = row[1] if row else utils.hash_token("\0")
        if row and consteq(stored, candidate):
            return self.sudo().browse(row[0])
        consteq(stored, candidate)  # same work on a miss
        return self.sudo().browse()

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
        if not document._payment_link_is_payable():
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
            replaced.with_context(
                payment_link_replaced_attempt=True, lang=self._with_company_lang().env.lang
            )._payment_link_abort()

    def _busy_message(self):
        return self.env._(
            "A payment through this link is already in progress or done. Please wait a moment "
            "and reload the page."
        )

    def _get_landing_route(self, view=None):
        """The landing page after a payment, or its receipt (``view`` 'pdf' or 'html').

        Its access token is signed for this link and this view, and dies after
        ``const.LANDING_TOKEN_HOURS`` hours; it is masked in logs like the link's token.
        """
        self.ensure_one()
        path = f"{const.ROUTE_PREFIX}done/{self.id}" + (f"/{view}" if view else "")
        return f"{path}?access_token={self._landing_token(view)}"

    def _landing_token(self, view=None, expires=None):
        expires = expires or int(
            (fields.Datetime.now() + timedelta(hours=const.LANDING_TOKEN_HOURS)).timestamp()
        )
        signature = hmac(
            self.env(su=True), "payment_link_sms.landing", (self.id, view or "page", expires)
        )
        return f"{expires}-{signature}"

    def _verify_landing_token(self, access_token, view=None):
        """Whether ``access_token`` opens this link's landing page (or receipt ``view``) now."""
        expires, _sep, signature = str(access_token or "").partition("-")
        if not expires.isdigit() or len(expires) > 12 or not signature:
            return False
        valid = consteq(self._landing_token(view, expires=int(expires)), str(access_token))
        return valid and int(expires) > fields.Datetime.now().timestamp()

    def _mark_opened(self, user_agent):
        """Record that a person opened the page (the first opening moves the link to *opened*
        and notifies). Called from the rendered page's signal, never from the GET alone."""
        self.ensure_one()
        user_agent = (user_agent or "")[: const.USER_AGENT_MAX_LENGTH]
        if self.state == "sent":
            self.sudo().write({"state": "opened", "opened_date": fields.Datetime.now()})
            self._log_events("opened", user_agent=user_agent)
            self._notify("opened")  # the document's one message for this stage
            return
        self._log_bounded_event("opened", user_agent)

    def _mark_previewed(self, user_agent):
        """Record a link previewer's fetch (a messaging app, a mail scanner): no notification."""
        self.ensure_one()
        self._log_bounded_event("preview", (user_agent or "")[: const.USER_AGENT_MAX_LENGTH])

    def _log_bounded_event(self, event_type, user_agent):
        """Log ``event_type`` once per browser and window, and at most
        ``const.AUDIT_EVENTS_PER_WINDOW`` times per window: a link holder cannot flood the
        trail by changing user agents."""
        since = fields.Datetime.now() - timedelta(minutes=const.AUDIT_WINDOW_MINUTES)
        Event = self.env["payment.link.event"].sudo()
        domain = [
            ("link_id", "=", self.id),
            ("event_type", "=", event_type),
            ("date", ">", since),
        ]
        if Event.search_count(domain + [("user_agent", "=", user_agent or False)], limit=1):
            return Event
        if Event.search_count(domain, limit=const.AUDIT_EVENTS_PER_WINDOW) >= (
            const.AUDIT_EVENTS_PER_WINDOW
        ):
            return Event
        return self._log_events(event_type, user_agent=user_agent)

    def _issue_print_token(self, document, reason):
        """A token for one printed PDF of ``document`` (the download answer only).

        Bounded audit: one "printed" event per document version (its last change) and window;
        at most ``const.PRINT_TOKENS_PER_LINK`` printed tokens per link, the oldest dropped.

        :return: The full URL of the new token.
        """
        self.ensure_one()
        url = self._issue_tokens("print")[self.id]
        Token = self.env["payment.link.token"].sudo()
        printed = Token.search(
            [("link_id", "=", self.id), ("channel", "=", "print")], order="id desc"
        )
        printed[const.PRINT_TOKENS_PER_LINK :].unlink()
        version = fields.Datetime.to_string(document.write_date)
        since = fields.Datetime.now() - timedelta(minutes=const.AUDIT_WINDOW_MINUTES)
        already = (
            self.env["payment.link.event"]
            .sudo()
            .search_count(
                [
                    ("link_id", "=", self.id),
                    ("event_type", "=", "printed"),
                    ("document_version", "=", version),
                    ("date", ">", since),
                ],
                limit=1,
            )
        )
        if not already:
            self._log_events("printed", reason=reason, document_version=version)
        return url

    # === BUSINESS METHODS: notifications === #

    def _with_company_lang(self):
        """``self`` in the company's language: for what the company's users read (chatter,
        notifications, audit), whoever triggered it (a customer on the pay page, a webhook)."""
        lang = self.company_id[:1].partner_id.lang
        return self.with_context(lang=lang) if lang else self

    def _notify(self, event_type, reason=False, amount=None):
        """Post the stage's one message on the document, by the system (OdooBot), and tell
        the salesperson and the sender (as configured per company) what happened."""
        notified = False
        for link in self:
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
                amount=link.currency_id.format(link._notified_amount(event_type, amount)),
                what=labels[event_type],
            )
            if reason:
                message = f"{message} {reason}"
            # Queued, not sent within the request: a customer's page or the provider's
            # webhook must not wait for the mail server.
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

    def _notified_amount(self, event_type, amount=None):
        """The amount a notification states: what was actually paid for a payment, else what
        the link asks."""
        self.ensure_one()
        if amount is not None:
            return amount
        if event_type == "paid" and self.paid_transaction_id:
            return self.amount_paid
        return self.amount

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

    # === BUSINESS METHODS: saving the card (see payment.consent) === #

    @api.model
    def _ensure_card_consent_rights(self):
        """Only billing users record a customer's consent (as ``payment.consent`` allows)."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only billing users may record a customer's consent."))

    def _is_validation(self):
        """Whether the link's page saves a card without paying (its document type says so:
        ``_payment_link_is_validation``), read from the model, without loading the document."""
        self.ensure_one()
        model = self.res_model if self.res_model in self.env else "payment.link.mixin"
        return self.env[model]._payment_link_is_validation()

    def _payment_link_save_card_mode(self):
        """How the page treats saving the customer's card: 'required' (a card request, or the
        sender recorded the consent), 'offered' (an unticked box, when the company offers it),
        or 'off'."""
        self.ensure_one()
        if self._is_validation() or self.save_card_consent_method:
            return "required"
        return "offered" if self.company_id.payment_link_save_card == "offered" else "off"

    def _payment_link_save_card_choice(self, requested):
        """Whether the payment saves the card, from the page's box (``requested``): never when
        the page does not offer it, always when it is required."""
        mode = self._payment_link_save_card_mode()
        return mode == "required" or (mode == "offered" and requested is True)

    def _payment_link_consent_text(self):
        """The consent text shown on the page (in the customer's language)."""
        self.ensure_one()
        return self.company_id._payment_consent_text(self.lang)

    def _payment_link_consent_values(self, ip_address, user_agent):
        """The consent given when a payment that saves the card starts, recorded as a
        ``payment.consent`` once the card is saved: by the sender (in person, on the phone), or
        online by the customer (their address and browser).

        :return: The consent's values, without the token.
        :rtype: dict
        """
        self.ensure_one()
        values = {
            "consent_text": self._payment_link_consent_text(),
            "consent_version": self.company_id.payment_consent_version,
        }
        if self.save_card_consent_method and not self._is_validation():
            return {
                **values,
                "method": self.save_card_consent_method,
                "user_id": self.sender_id.id,
            }
        return {
            **values,
            "method": "online",
            "ip_address": ip_address,
            "user_agent": (user_agent or "")[: const.USER_AGENT_MAX_LENGTH],
        }
