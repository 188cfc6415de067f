# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

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
    # Above a threshold of documents, the composer queues a background send (see
    # ``payment.link.send.job``) instead of sending in the user's request.
    background_send = fields.Boolean(
        compute="_compute_background_send",
        help="So many documents are selected that the links are sent in the background.",
    )
    background_threshold = fields.Integer(compute="_compute_background_send")

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
                number, _error = self._service()._resolve_phone(
                    partner, company, documents._paylink_default_phone()
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
            number, error = self._service()._resolve_phone(
                wizard.partner_id, wizard.company_id, wizard.phone
            )
            if number:
                # The same blacklist check as the sending's.
                plan = {"partner": wizard.partner_id, "phone": number, "error": False}
                self._service()._blacklist_errors([plan])
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
                error = self._service()._resolve_email(wizard.partner_id, wizard.email)[1]
            wizard.email_error = error

    @api.model
    def _get_background_threshold(self):
        return utils.parse_count_param(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("payment_link_sms.background_send_threshold"),
            const.BACKGROUND_SEND_THRESHOLD,
            minimum=0,
        )

    @api.depends("res_model", "res_ids")
    def _compute_background_send(self):
        threshold = self._get_background_threshold()
        for wizard in self:
            wizard.background_threshold = threshold
            wizard.background_send = wizard._payment_link_use_background()

    def _payment_link_use_background(self):
        """Whether the composer's documents are sent in the background (hook: a bridge whose
        send must be all or nothing returns False)."""
        self.ensure_one()
        return len(self._get_documents()) > self._get_background_threshold()

    @api.depends("res_model", "res_ids")
    def _compute_live_links(self):
        background = self.filtered("background_send")
        for wizard in background:
            count = wizard._live_link_count()
            wizard.has_live_link = bool(count)
            wizard.live_link_warning = bool(count) and self.env._(
                "%s documents have a live link: it will be cancelled and replaced by the new one.",
                formatLang(self.env, count, digits=0),
            )
        for wizard in self - background:
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
        # The per-document previews would cost the request what the send itself costs: a
        # background send shows counts only.
        background = self.filtered("background_send")
        background.refusal_preview = False
        for wizard in self - background:
            documents = wizard._get_documents()
            reasons = [wizard._document_refusal(document) for document in documents]
            wizard.refusal_preview = "\n".join(reason for reason in reasons if reason) or False

    @api.depends("res_model", "res_ids", "channel", "document_count")
    def _compute_bulk_preview(self):
        """Several documents: what will happen to each, before anything is sent (a background
        send: nothing, see ``_compute_refusal_preview``)."""
        background = self.filtered("background_send")
        background.bulk_preview = False
        for wizard in self - background:
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
            preview = self._service()._render_preview(link, urls, wizard.channel)
            if preview["sms"]:
                body = preview["sms"]
                encoding, units, segments = utils.sms_segments(body)
                wizard.sms_preview = body
                wizard.sms_info = self.env._(
                    "%(units)s characters, %(segments)s SMS (%(encoding)s). Your SMS provider "
                    "charges each SMS segment.",
                    units=units,
                    segments=segments,
                    encoding=encoding,
                )
            wizard.email_subject_preview = preview["subject"]
            wizard.email_body_preview = preview["body"]

    def _plan_outcomes(self, documents, channel):
        """What a bulk send of ``documents`` on ``channel`` would do to each, before sending.

        :return: {document id: one translated line naming the document}
        """
        service = self._service()
        live_by_doc = dict(service._live_links_of(documents).grouped("res_id"))
        outcomes = {}
        plans = service._plan_batch(
            documents, channel, None, None, True, live_by_doc, True, refusal=self._document_refusal
        )
        for plan in plans:
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

    def _document_refusal(self, document):
        """Why no link can be sent for ``document`` from this composer, or False: the
        document's ``_payment_link_refusal()`` (a bridge may ask it for the document as the
        composer will leave it, e.g. a quotation it confirms first)."""
        return document._payment_link_refusal()

    def _preview_link(self, document):
        """An unsaved link with a placeholder token as long as a real one (the service's)."""
        return self._service()._preview_link(document, self.channel, self.phone_e164, self.email)

    @api.model
    def _service(self):
        return self.env["payment.link.send.service"]

    # === ACTIONS === #

    def action_send(self):
        """Send; a document that has a live link is refused (see ``action_send_replace``)."""
        return self._action_send(replace=False)

    def action_send_replace(self):
        """Send, cancelling and replacing the live links (the user confirmed it)."""
        return self._action_send(replace=True)

    def _action_send(self, replace):
        self.ensure_one()
        # The documents deleted since the composer opened are left out of the send.
        self.invalidate_recordset(["existing_res_ids"])
        if self._payment_link_use_background():
            return self._action_send_background(replace)
        single = self.document_count == 1
        result = self._send_links(
            phone=self.phone if single else None,
            email=self.email if single else None,
            replace=replace,
        )
        return self._service()._sent_dialog(result["links"], result["urls"], result["refused"])

    def _send_links(self, phone=None, email=None, replace=False):
        """Send the links of the composer's documents on its channel, through the service
        (``payment.link.send.service._send``), with the composer's refusals.

        :return: ``{'links': payment.link, 'urls': {link_id: url}, 'refused': {doc_id: str}}``
        """
        self.ensure_one()
        return self._service()._send(
            self._get_documents(),
            self.channel,
            phone=phone or None,
            email=email or None,
            replace=replace,
            refusal=self._document_refusal,
            **self._send_options(),
        )

    def _send_options(self):
        """More arguments of the sending service's ``_send`` for what this composer sends
        (hook: a card addon passes the sender's recorded consent, ``save_card_consent``)."""
        self.ensure_one()
        return {}

    def _live_link_count(self):
        """How many of the documents have a live link (counted in SQL: no 50,000 links read)."""
        self.env["payment.link"].flush_model(["res_model", "res_id", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT count(DISTINCT res_id) FROM payment_link
                 WHERE res_model = %s AND res_id = ANY(%s::int[]) AND state IN %s
                """,
                self.res_model,
                utils.pg_int_array(self._get_documents().ids),
                tuple(const.LIVE_STATES),
            )
        )
        return self.env.cr.fetchone()[0]

    def _action_send_background(self, replace):
        """Queue the send and tell the user where to follow it."""
        self._service()._check_send_rights(self.channel)
        documents = self._get_documents()
        job = self.env["payment.link.send.job"]._create_for_documents(
            documents, self.channel, replace=replace
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Background send"),
                "message": self.env._(
                    "Sending %s links in the background; you will be notified.",
                    formatLang(self.env, len(documents), digits=0),
                ),
                "sticky": False,
                "next": self.env["payment.link.send.job"]._action_open(job),
            },
        }
