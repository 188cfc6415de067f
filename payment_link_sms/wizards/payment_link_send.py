# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize, split_every

from .. import const, utils


class PaymentLinkSend(models.TransientModel):
    """Send a payment link for one or several documents, with the exact message previewed."""

    _name = "payment.link.send"
    _description = "Send Payment Link"

    res_model = fields.Char(string="Document Model", required=True)
    res_ids = fields.Char(string="Document IDs", required=True)
    # The ids of the documents that exist (JSON), read once per request rather than once per
    # compute (50,000 ids: a query of a second); ``_action_send`` reads them again. Text, not
    # a Json field: the ORM deep-copies a Json value on every read.
    existing_res_ids = fields.Char(compute="_compute_existing_res_ids")
    document_count = fields.Integer(compute="_compute_documents")
    company_id = fields.Many2one(comodel_name="res.company", compute="_compute_documents")
    partner_id = fields.Many2one(comodel_name="res.partner", compute="_compute_documents")
    commercial_partner_id = fields.Many2one(
        comodel_name="res.partner", compute="_compute_documents"
    )
    # Required in the view: a computed column, filled once the documents are known.
    channel = fields.Selection(
        selection=const.CHANNELS,
        compute="_compute_channel",
        store=True,
        readonly=False,
    )
    channel_note = fields.Char(compute="_compute_channel", store=True)
    recipient_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Contact",
        compute="_compute_recipient_partner_id",
        store=True,
        readonly=False,
        help="The contact whose mobile number and email address are used.",
    )
    phone = fields.Char(
        string="SMS Number",
        compute="_compute_recipient",
        store=True,
        readonly=False,
    )
    email = fields.Char(
        string="Email Address",
        compute="_compute_recipient",
        store=True,
        readonly=False,
    )
    phone_e164 = fields.Char(string="Number Sent To", compute="_compute_phone_check")
    phone_error = fields.Char(compute="_compute_phone_check")
    phone_warning = fields.Char(compute="_compute_phone_check")
    phone_placeholder = fields.Char(compute="_compute_phone_placeholder")
    bulk_preview = fields.Text(string="What Will Happen", compute="_compute_bulk_preview")
    sms_available = fields.Boolean(compute="_compute_phone_check")
    email_error = fields.Char(compute="_compute_email_check")
    has_live_link = fields.Boolean(compute="_compute_live_links")
    live_link_warning = fields.Text(compute="_compute_live_links")
    refusal_preview = fields.Text(string="Will Not Be Sent", compute="_compute_refusal_preview")
    sms_preview = fields.Text(string="SMS", compute="_compute_previews")
    sms_info = fields.Char(string="SMS Length", compute="_compute_previews")
    email_subject_preview = fields.Char(string="Subject", compute="_compute_previews")
    email_body_preview = fields.Html(string="Email", compute="_compute_previews", sanitize=False)

    # === COMPUTE METHODS === #

    def _get_documents(self):
        self.ensure_one()
        return self.env[self.res_model].browse(json.loads(self.existing_res_ids or "[]"))

    @api.depends("res_model", "res_ids")
    def _compute_existing_res_ids(self):
        """What ``browse(ids).exists()`` gives (same order), in one query whatever the count:
        the ids as one array parameter, not 50,000 quoted ones."""
        for wizard in self:
            ids = utils.parse_ids(wizard.res_ids)
            if not ids or wizard.res_model not in self.env:
                wizard.existing_res_ids = "[]"
                continue
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id = ANY(%s::int[])",
                    SQL.identifier(self.env[wizard.res_model]._table),
                    utils.pg_int_array(ids),
                )
            )
            existing = {row[0] for row in self.env.cr.fetchall()}
            wizard.existing_res_ids = json.dumps([id_ for id_ in ids if id_ in existing])

    @api.model
    def default_get(self, fields_list):
        result = super().default_get(fields_list)
        context = self.env.context
        result.setdefault(
            "res_model", context.get("default_res_model") or context.get("active_model")
        )
        ids = context.get("default_res_ids") or context.get("active_ids")
        if "res_ids" in fields_list and ids and not result.get("res_ids"):
            if not context.get("default_res_ids"):
                ids = self._select_all_ids(result.get("res_model"), ids)
            result["res_ids"] = repr(list(ids))
        return result

    @api.model
    def _select_all_ids(self, res_model, active_ids):
        """Every record of the list when the user selected them all ("Select all"), else
        ``active_ids``.

        The web client sends at most ``web.active_ids_limit`` (20,000) ``active_ids``: the
        first ones of its ``active_domain``, which it adds to the context. A selection that
        is exactly that many, and exactly the first ones of the domain in the list's order,
        is a "Select all": the domain's records, searched with the user's rights.
        """
        context = self.env.context
        domain = context.get("active_domain")
        limit = int(
            self.env["ir.config_parameter"].sudo().get_param("web.active_ids_limit", "20000")
        )
        if (
            not isinstance(domain, list)
            or len(active_ids) != limit
            or context.get("active_model") != res_model
            or res_model not in self.env
        ):
            return active_ids
        ids = self.env[res_model].search(domain).ids
        return ids if ids[: len(active_ids)] == list(active_ids) else active_ids

    @api.depends("res_model", "res_ids")
    def _compute_documents(self):
        for wizard in self:
            documents = wizard._get_documents()
            partner = documents[:1]._payment_link_partner() if documents else False
            wizard.document_count = len(documents)
            wizard.company_id = documents[:1].company_id
            wizard.partner_id = partner
            wizard.commercial_partner_id = partner and partner.commercial_partner_id

    @api.depends("partner_id")
    def _compute_recipient_partner_id(self):
        for wizard in self:
            documents = wizard._get_documents()
            wizard.recipient_partner_id = (
                documents[:1]._payment_link_contact() if documents else wizard.partner_id
            )

    @api.depends("recipient_partner_id", "document_count")
    def _compute_recipient(self):
        for wizard in self:
            contact = wizard.recipient_partner_id
            single = wizard.document_count == 1
            wizard.phone = single and (contact.mobile or contact.phone) or False
            wizard.email = single and contact.email or False

    @api.depends("res_model", "res_ids")
    def _compute_channel(self):
        """The company's default channel; email when a single document's customer has no
        number to text, said in ``channel_note``. Set once, when the wizard opens: what the
        sender types or picks afterwards never switches the channel behind their back."""
        for wizard in self:
            documents = wizard._get_documents()
            company = documents[:1].company_id or self.env.company
            channel = company.payment_link_default_channel or const.DEFAULT_CHANNEL
            note = False
            if len(documents) == 1 and channel in ("sms", "both"):
                partner = documents._payment_link_partner()
                number, _error = self._resolve_phone(
                    partner, company, documents._payment_link_default_phone()
                )
                if not number:
                    channel = "email"
                    note = self.env._(
                        "%s has no valid mobile number: the link will go by email. Choose SMS "
                        "and type a number to text it.",
                        partner.display_name,
                    )
            wizard.channel, wizard.channel_note = channel, note

    @api.depends("partner_id", "company_id")
    def _compute_phone_placeholder(self):
        for wizard in self:
            country = wizard.partner_id.country_id or wizard.company_id.country_id
            wizard.phone_placeholder = utils.example_mobile_number(country.code)

    @api.depends("phone", "partner_id", "company_id", "document_count")
    def _compute_phone_check(self):
        for wizard in self:
            wizard.phone_e164 = wizard.phone_error = wizard.phone_warning = False
            if wizard.document_count != 1:
                wizard.sms_available = True
                continue
            number, error = self._resolve_phone(wizard.partner_id, wizard.company_id, wizard.phone)
            if number:
                # The same blacklist check as the sending's.
                plan = {"partner": wizard.partner_id, "phone": number, "error": False}
                self._blacklist_errors([plan])
                if plan["error"]:
                    number, error = False, plan["error"]
            wizard.phone_e164, wizard.phone_error = number, error
            wizard.sms_available = bool(number)
            if number and utils.is_landline(number):
                wizard.phone_warning = self.env._(
                    "%s is a landline number: it may not receive SMS.", number
                )

    @api.depends("email", "partner_id", "document_count")
    def _compute_email_check(self):
        for wizard in self:
            error = False
            if wizard.document_count == 1:
                error = self._resolve_email(wizard.partner_id, wizard.email)[1]
            wizard.email_error = error

    @api.depends("res_model", "res_ids")
    def _compute_live_links(self):
        for wizard in self:
            documents = wizard._get_documents()
            live = self.env["payment.link"].search(
                [
                    ("res_model", "=", wizard.res_model),
                    ("res_id", "in", documents.ids),
                    ("state", "in", const.LIVE_STATES),
                ]
            )
            wizard.has_live_link = bool(live)
            states = dict(live._fields["state"]._description_selection(self.env))
            lines = [
                self.env._(
                    "%(document)s: %(link)s, %(state)s, %(days)s days left",
                    document=link.document_name,
                    link=link.display_name,
                    state=states[link.state],
                    days=link.days_left,
                )
                for link in live
            ]
            wizard.live_link_warning = (
                self.env._(
                    "Live link(s) will be cancelled and replaced by the new one:\n%s",
                    "\n".join(lines),
                )
                if live
                else False
            )

    @api.depends("res_model", "res_ids")
    def _compute_refusal_preview(self):
        for wizard in self:
            documents = wizard._get_documents()
            reasons = [wizard._document_refusal(document) for document in documents]
            wizard.refusal_preview = "\n".join(reason for reason in reasons if reason) or False

    @api.depends("res_model", "res_ids", "channel", "document_count")
    def _compute_bulk_preview(self):
        """Several documents: what will happen to each, before anything is sent."""
        for wizard in self:
            documents = wizard._get_documents()
            if len(documents) < 2:
                wizard.bulk_preview = False
                continue
            outcomes = wizard._plan_outcomes(documents, wizard.channel)
            wizard.bulk_preview = "\n".join(outcomes[document.id] for document in documents)

    @api.depends("channel", "phone", "email", "recipient_partner_id", "res_ids")
    def _compute_previews(self):
        for wizard in self:
            wizard.sms_preview = wizard.sms_info = False
            wizard.email_subject_preview = wizard.email_body_preview = False
            document = wizard._get_documents()[:1]
            if not document or wizard._document_refusal(document):
                continue
            link, urls = wizard._preview_link(document)
            link = link.with_context(payment_link_urls=urls)
            if wizard.channel in ("sms", "both"):
                body = link._render_sms_bodies()[link.id]
                encoding, units, segments = utils.sms_segments(body)
                wizard.sms_preview = body
                wizard.sms_info = self.env._(
                    "%(units)s characters, %(segments)s SMS (%(encoding)s). Your SMS provider "
                    "charges each SMS segment.",
                    units=units,
                    segments=segments,
                    encoding=encoding,
                )
            if wizard.channel in ("email", "both"):
                template = link._get_message_templates("request")["email"].sudo()
                template = template.with_context(payment_link_urls=urls)
                wizard.email_subject_preview = template._render_field(
                    "subject", list(link._ids), compute_lang=True
                )[link.id]
                wizard.email_body_preview = template._render_field(
                    "body_html", list(link._ids), compute_lang=True
                )[link.id]

    def _document_refusal(self, document):
        """Why no link can be sent for ``document`` from this composer, or False: the
        document's ``_payment_link_refusal()`` (a bridge may ask it for the document as the
        composer will leave it, e.g. a quotation it confirms first)."""
        return document._payment_link_refusal()

    def _preview_link(self, document):
        """An unsaved link with a placeholder token as long as a real one."""
        plan = {
            "document": document,
            "partner": document._payment_link_partner(),
            "company": document.company_id,
            "phone": self.phone_e164,
            "email": self.email,
        }
        token = "x" * len(utils.generate_token())
        values = self.env["payment.link"]._prepare_link_values(
            plan, self.channel, token, fields.Datetime.now()
        )
        values.pop("token_hash")
        link = self.env["payment.link"].new(values)
        urls = utils.UrlMap({link.id: f"{link.get_base_url()}{const.ROUTE_PREFIX}{token}"})
        return link, urls

    # === BUSINESS METHODS: recipients === #

    @api.model
    def _resolve_phone(self, partner, company, number, bulk=False):
        """Return ``(e164_number, error)`` for an SMS to ``partner``.

        :param partner: The customer (its country formats national numbers).
        :param company: The company (its country is the fallback).
        :param str number: The number typed or taken from the partner.
        :param bool bulk: Several documents at once: nothing can be typed, the fix is on the
                          customer's contact.
        """
        if not number and bulk:
            return False, self.env._(
                "%s has no mobile or phone number: add one on the customer's contact, or send "
                "by email.",
                partner.display_name,
            )
        if not number:
            return False, self.env._(
                "%s has no mobile or phone number: type a number or choose a contact.",
                partner.display_name,
            )
        country = partner.country_id or company.country_id
        try:
            e164 = partner._phone_format(
                number=number, country=country, force_format="E164", raise_exception=True
            )
        except UserError as error:
            return False, self.env._(
                "The number %(number)s of %(partner)s is not valid: %(reason)s",
                number=number,
                partner=partner.display_name,
                reason=str(error),
            )
        return e164, False

    @api.model
    def _resolve_email(self, partner, email, bulk=False):
        """Return ``(normalized_email, error)`` for an email to ``partner``."""
        if not email and bulk:
            return False, self.env._(
                "%s has no email address: add one on the customer's contact, or send by SMS.",
                partner.display_name,
            )
        if not email:
            return False, self.env._(
                "%s has no email address: type an address.", partner.display_name
            )
        normalized = email_normalize(email)
        if not normalized:
            return False, self.env._(
                "The email address %(email)s of %(partner)s is not valid.",
                email=email,
                partner=partner.display_name,
            )
        return normalized, False

    @api.model
    def _blacklist_errors(self, plans):
        """Refuse the recipients that opted out, with one query per channel.

        :param list plans: dicts with 'partner', 'phone', 'email' and 'error' keys.
        """
        phones = {plan["phone"] for plan in plans if plan.get("phone") and not plan["error"]}
        emails = {plan["email"] for plan in plans if plan.get("email") and not plan["error"]}
        blocked_phones = set()
        if phones:
            # The numbers are E.164 already (_resolve_phone), as the blacklist stores them:
            # compare them as they are, without the phone parsing a search on
            # phone.blacklist.number applies to each number of the domain.
            self.env["phone.blacklist"].flush_model(["number", "active"])
            self.env.cr.execute(
                "SELECT number FROM phone_blacklist WHERE active AND number IN %s",
                [tuple(phones)],
            )
            blocked_phones = {row[0] for row in self.env.cr.fetchall()}
        blocked_emails = set()
        if emails:
            blocked_emails = set(
                self.env["mail.blacklist"]
                .sudo()
                .search([("email", "in", list(emails))])
                .mapped("email")
            )
        for plan in plans:
            if plan["error"]:
                continue
            if plan.get("phone") in blocked_phones:
                plan["error"] = self.env._(
                    "The number %(number)s of %(partner)s is blacklisted for SMS.",
                    number=plan["phone"],
                    partner=plan["partner"].display_name,
                )
            elif plan.get("email") in blocked_emails:
                plan["error"] = self.env._(
                    "The email address %(email)s of %(partner)s is blacklisted.",
                    email=plan["email"],
                    partner=plan["partner"].display_name,
                )

    # === BUSINESS METHODS: sending === #

    @api.model
    def _send_for_documents(self, documents, channel, phone=None, email=None, replace=False):
        """Create and send one link per document; refuse, with a reason, what cannot be sent.

        Everything is checked before anything is written: a refused document gets no link, no
        message and no event. Messages go to Odoo's outboxes (``sms.sms`` and ``mail.mail``) and
        their queues are triggered, so a message is handed to the provider only once the links
        it carries are committed.

        Documents are handled in batches (``_get_send_batch_size``); between two batches the
        ORM cache is emptied (after a flush), so that sending to thousands of documents takes
        bounded memory. Within the caller's transaction, the result is the same as one batch.

        :param documents: Records of a model inheriting ``payment.link.mixin``.
        :param str channel: 'sms', 'email' or 'both'.
        :param str phone: A number to use instead of each partner's mobile / phone.
        :param str email: An address to use instead of each partner's email.
        :param bool replace: Whether live links of the documents may be cancelled and replaced.
        :return: ``{'links': payment.link, 'urls': {link_id: url}, 'refused': {doc_id: str}}``
        """
        self._validate_send_request(channel)
        batches = [
            documents.browse(batch_ids)
            for batch_ids in split_every(self._get_send_batch_size(), documents.ids)
        ]
        for batch in batches:
            batch.check_access("write")
            if len(batches) > 1:
                documents.invalidate_model()  # what the check read, a batch at a time
        link_ids, urls, refused = [], utils.UrlMap(), {}
        now = fields.Datetime.now()
        bulk = len(documents) > 1 and not phone and not email
        for index, batch in enumerate(batches):
            if index:
                # The previous batch is written (its steps announced): free what its records
                # hold in memory.
                self.env["payment.link.event"]._send_pending_progress()
                self.env.flush_all()
                for model in self._get_send_batch_models(documents):
                    self.env[model].invalidate_model(flush=False)
            batch_link_ids, batch_refused = self._send_batch(
                batch, channel, phone, email, replace, urls, now, bulk=bulk
            )
            link_ids += batch_link_ids
            refused.update(batch_refused)
        if not link_ids and not self.env.context.get("payment_link_send_no_raise"):
            # (A background send records the refusals per document instead.)
            raise UserError("\n".join(refused.values()))
        return {
            "links": self.env["payment.link"].sudo().browse(link_ids),
            "urls": urls,
            "refused": refused,
        }

    @api.model
    def _validate_send_request(self, channel):
        """The one rights check of sending (see ``payment.link._ensure_manage_rights``), and
        the channel's."""
        self.env["payment.link"]._ensure_manage_rights()
        if channel not in dict(const.CHANNELS):
            raise UserError(self.env._("Unknown channel %s: use sms, email or both.", channel))

    @api.model
    def _get_send_batch_size(self):
        param = self.env["ir.config_parameter"].sudo().get_param("payment_link_sms.send_batch_size")
        try:
            return max(int(param), 1) if param else const.SEND_BATCH_SIZE
        except ValueError:
            return const.SEND_BATCH_SIZE

    @api.model
    def _get_send_batch_models(self, documents):
        """The models whose records fill the cache in proportion to a batch: emptied between
        two batches. Shared records (company, currency, templates, users...) stay cached.

        :param documents: The documents being sent (their model is listed).
        :rtype: list
        """
        return [
            documents._name,
            "res.partner",
            "payment.link",
            "payment.link.event",
            "sms.sms",
            "sms.tracker",
            "mail.mail",
            "mail.message",
            "bus.bus",
        ]

    @api.model
    def _send_batch(self, documents, channel, phone, email, replace, urls, now, bulk=False):
        """Check, create and send the links of one batch of documents (see
        ``_send_for_documents``); add the full URLs of the new links to ``urls``.

        :return: ``(new link ids, {document id: reason of refusal})``
        """
        live_links = self._live_links_of(documents)
        plans = self._plan_batch(
            documents, channel, phone, email, replace, dict(live_links.grouped("res_id")), bulk
        )

        refused = {plan["document"].id: plan["error"] for plan in plans if plan["error"]}
        plans = [plan for plan in plans if not plan["error"]]
        if not plans:
            return [], refused

        links, batch_urls = self.env["payment.link"]._create_links(
            plans, channel, now=now, sent=True, log_created=False
        )
        urls.update(batch_urls)
        links._send_messages(batch_urls, log_created=True)  # created and sent: one INSERT
        live_links._replace_by(links)
        return links.ids, refused

    @api.model
    def _live_links_of(self, documents):
        """The live links of ``documents`` (sudoed), in one query."""
        return (
            self.env["payment.link"]
            .sudo()
            .search(
                [
                    ("res_model", "=", documents._name),
                    ("res_id", "in", documents.ids),
                    ("state", "in", const.LIVE_STATES),
                ]
            )
        )

    @api.model
    def _plan_outcomes(self, documents, channel):
        """What a bulk send of ``documents`` on ``channel`` would do to each, before sending.

        :return: {document id: one translated line naming the document}
        """
        live_by_doc = dict(self._live_links_of(documents).grouped("res_id"))
        outcomes = {}
        for plan in self._plan_batch(documents, channel, None, None, True, live_by_doc, True):
            document = plan["document"]
            if plan["error"]:
                outcomes[document.id] = self.env._("✗ %s", plan["error"])
                continue
            recipients = " + ".join(filter(None, [plan.get("phone"), plan.get("email")]))
            line = self.env._(
                "✓ %(document)s: %(channel)s to %(recipients)s",
                document=document.display_name,
                channel=dict(self._fields["channel"]._description_selection(self.env))[channel],
                recipients=recipients,
            )
            if document.id in live_by_doc:
                line = self.env._("%s (replaces its live link)", line)
            outcomes[document.id] = line
        return outcomes

    @api.model
    def _plan_batch(self, documents, channel, phone, email, replace, live_by_doc, bulk=False):
        """Check each document and its recipients; nothing is written.

        A refusal names the document (a bulk send lists them) and says what fixes it.

        :param bool bulk: Several documents sent at once, to their own recipients.
        :return: One plan per document, dicts with 'document', 'partner', 'company', 'phone',
                 'email' and 'error' (a translated sentence, or False).
        """
        use_sms, use_email = channel in ("sms", "both"), channel in ("email", "both")
        plans = []
        for document in documents:
            partner = document._payment_link_partner()
            company = document.company_id
            plan = {
                "document": document,
                "partner": partner,
                "company": company,
                "error": self._document_refusal(document)
                or document._payment_link_sender_refusal(channel),
            }
            if not plan["error"] and document.id in live_by_doc and not replace:
                live = live_by_doc[document.id]
                plan["error"] = self.env._(
                    "%(document)s already has a live payment link (%(link)s, valid until "
                    "%(date)s): confirm to cancel it and send a new one.",
                    document=document.display_name,
                    link=live[0].display_name,
                    date=fields.Datetime.to_string(live[0].expiration_date),
                )
            document_refused = bool(plan["error"])
            if not plan["error"] and use_sms:
                plan["phone"], plan["error"] = self._resolve_phone(
                    partner, company, phone or document._payment_link_default_phone(), bulk=bulk
                )
            if not plan["error"] and use_email:
                plan["email"], plan["error"] = self._resolve_email(
                    partner, email or document._payment_link_default_email(), bulk=bulk
                )
            plan["recipient_checked"] = not document_refused
            plans.append(plan)
        self._blacklist_errors(plans)
        for plan in plans:
            checked = plan.pop("recipient_checked")
            if plan["error"] and checked and bulk:
                # About the customer: say which document it stops.
                plan["error"] = self.env._(
                    "%(document)s: %(reason)s",
                    document=plan["document"].display_name,
                    reason=plan["error"],
                )
        return plans

    # === ACTIONS === #

    def action_send(self):
        """Send; a document that has a live link is refused (see ``action_send_replace``)."""
        return self._action_send(replace=False)

    def action_send_replace(self):
        """Send, cancelling and replacing the live links (the user confirmed it)."""
        return self._action_send(replace=True)

    def _action_send(self, replace):
        self.ensure_one()
        single = self.document_count == 1
        result = self._send_links(
            phone=self.phone if single else None,
            email=self.email if single else None,
            replace=replace,
        )
        return self._sent_dialog(result["links"], result["urls"], result["refused"])

    def _send_links(self, phone=None, email=None, replace=False):
        """Send the links of the composer's documents on its channel (see
        ``_send_for_documents``); the documents' ``_payment_link_send`` hook runs around it.

        :return: ``{'links': payment.link, 'urls': {link_id: url}, 'refused': {doc_id: str}}``
        """
        self.ensure_one()
        documents = self._send_documents()
        return documents._payment_link_send(
            self.channel, phone=phone or None, email=email or None, replace=replace
        )

    def _send_documents(self):
        """The documents the composer sends, as ``_send_links`` passes them to their
        ``_payment_link_send`` hook (hook: a card addon adds the sender's recorded consent)."""
        self.ensure_one()
        return self._get_documents()

    @api.model
    def _sent_dialog_title(self, links):
        """The sent dialog's title, in the words of the links' kind."""
        if links and all(link.kind == "card_request" for link in links):
            return (
                self.env._("Card request sent")
                if len(links) == 1
                else self.env._("%s card requests sent", len(links))
            )
        return (
            self.env._("Payment link sent")
            if len(links) == 1
            else self.env._("%s payment links sent", len(links))
        )

    def _sent_dialog(self, links, urls=None, refused=None, open_link=False):
        """The client action telling the sender which ``links`` went out (the only place,
        besides the message, where the full link is shown: it is not stored).

        :param bool open_link: Offer to open the link's form (after a resend from the old one).
        """
        urls = urls or {}
        channels = dict(links._fields["channel"]._description_selection(links.env))
        rows = [
            {
                "id": link.id,
                "name": link.name,
                "document": link.document_name,
                "url": urls.get(link.id) or link.masked_url,
                "channel": channels[link.channel],
                "recipients": ", ".join(filter(None, [link.phone, link.email])),
                "expiration": link._format_expiration(),
            }
            for link in links
        ]
        return {
            "type": "ir.actions.client",
            "tag": "payment_link_sms.sent_dialog",
            "name": self._sent_dialog_title(links),
            "target": "new",
            "params": {
                "links": rows,
                "refused": list((refused or {}).values()),
                "open_link_id": links.id if open_link and len(links) == 1 else False,
            },
        }
