# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models

from .. import const, utils


class PaymentLinkSend(models.TransientModel):
    """Send a payment link for one or several documents, with the exact message previewed."""

    _name = "payment.link.send"
    _description = "Send Payment Link"

    res_model = fields.Char(string="Document Model", required=True)
    res_ids = fields.Char(string="Document IDs", required=True)
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
        return self.env[self.res_model].browse(utils.parse_ids(self.res_ids)).exists()

    @api.model
    def default_get(self, fields_list):
        result = super().default_get(fields_list)
        context = self.env.context
        result.setdefault(
            "res_model", context.get("default_res_model") or context.get("active_model")
        )
        ids = context.get("default_res_ids") or context.get("active_ids")
        if "res_ids" in fields_list and ids and not result.get("res_ids"):
            result["res_ids"] = repr(list(ids))
        return result

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
        Link = self.env["payment.link"]
        for wizard in self:
            documents = wizard._get_documents()
            company = documents[:1].company_id or self.env.company
            channel = company.payment_link_default_channel or const.DEFAULT_CHANNEL
            note = False
            if len(documents) == 1 and channel in ("sms", "both"):
                partner = documents._payment_link_partner()
                number, _error = Link._resolve_phone(
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
        Link = self.env["payment.link"]
        for wizard in self:
            wizard.phone_e164 = wizard.phone_error = wizard.phone_warning = False
            if wizard.document_count != 1:
                wizard.sms_available = True
                continue
            number, error = Link._resolve_phone(wizard.partner_id, wizard.company_id, wizard.phone)
            if number and self.env["phone.blacklist"].sudo().search_count(
                [("number", "=", number)], limit=1
            ):
                number, error = (
                    False,
                    self.env._(
                        "The number %(number)s of %(partner)s is blacklisted for SMS.",
                        number=number,
                        partner=wizard.partner_id.display_name,
                    ),
                )
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
                error = self.env["payment.link"]._resolve_email(wizard.partner_id, wizard.email)[1]
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
            reasons = [document._payment_link_refusal() for document in documents]
            wizard.refusal_preview = "\n".join(reason for reason in reasons if reason) or False

    @api.depends("res_model", "res_ids", "channel", "document_count")
    def _compute_bulk_preview(self):
        """Several documents: what will happen to each, before anything is sent."""
        for wizard in self:
            documents = wizard._get_documents()
            if len(documents) < 2:
                wizard.bulk_preview = False
                continue
            outcomes = self.env["payment.link"]._plan_outcomes(documents, wizard.channel)
            wizard.bulk_preview = "\n".join(outcomes[document.id] for document in documents)

    @api.depends("channel", "phone", "email", "recipient_partner_id", "res_ids")
    def _compute_previews(self):
        for wizard in self:
            wizard.sms_preview = wizard.sms_info = False
            wizard.email_subject_preview = wizard.email_body_preview = False
            document = wizard._get_documents()[:1]
            if not document or document._payment_link_refusal():
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
                template = self.env.ref("payment_link_sms.mail_template_payment_link").sudo()
                template = template.with_context(payment_link_urls=urls)
                wizard.email_subject_preview = template._render_field(
                    "subject", list(link._ids), compute_lang=True
                )[link.id]
                wizard.email_body_preview = template._render_field(
                    "body_html", list(link._ids), compute_lang=True
                )[link.id]

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

    # === ACTIONS === #

    def action_send(self):
        """Send; live links are replaced only after the user confirmed it."""
        self.ensure_one()
        documents = self._get_documents()
        single = len(documents) == 1
        result = documents._payment_link_send(
            self.channel,
            phone=self.phone if single else None,
            email=self.email if single else None,
            replace=bool(self.env.context.get("payment_link_replace")),
        )
        return result["links"]._action_sent_dialog(result["urls"], result["refused"])
