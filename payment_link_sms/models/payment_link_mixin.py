# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import format_date, hmac
from odoo.tools.misc import formatLang

from .. import const, utils


class PaymentLinkMixin(models.AbstractModel):
    """What a document (invoice, order...) needs to be paid by link.

    The mixin owns the whole contract between a document and its links, as ``rating.mixin``
    does for ratings: the relation (``payment_link_ids``, the links whose ``res_model`` /
    ``res_id`` name the document), the stored state of the latest link, ``payment_link_can_send``,
    the public API (``send_payment_link``, the composer's actions, resend, expire), and the
    lifecycle (a write that voids the document stops its live links, a payment made elsewhere
    closes them). Sending itself is ``payment.link.send.service``'s.

    **The hooks**: this list is the only one (``readme/DEVELOP.md`` links here); they are
    defined, in this order, in the file's marked section *CONTRACT*. A document type overrides
    these and nothing else of the mixin (names starting with ``_payment_link_``; the mixin's
    own machinery is named ``_paylink_*``). None takes a bridge's own argument.

    Required:

    * ``_payment_link_amount_due()``: what is due now, computed on the server;
    * ``_payment_link_refusal()``: why no link can be sent now (a translated sentence naming
      the document), or False;
    * ``_payment_link_can_send_depends()``: the fields the refusal reads;
    * ``_payment_link_is_paid()``: whether the document is paid in full (elsewhere too).

    Optional (the default in brackets):

    * ``_payment_link_paid_meanwhile(transaction)``: whether a payment confirmed now pays
      something paid meanwhile elsewhere, then handled as paid twice (False);
    * ``_payment_link_unpaid_domain()``: what "unpaid" means in the link filters (the
      document's own domain; none);
    * ``_payment_link_status_actions(link)``: the actions the status widget offers;

    * ``_payment_link_sender_refusal(channel)``: why the current user may not send it on
      ``channel`` (False);
    * ``_payment_link_refund_refusal(link, amount)``: why refunding ``amount`` of its paid
      ``link`` is refused (False);
    * ``_payment_link_void_reason()``: why its live links are cancelled although it is not
      paid, e.g. an invoice reversed (False);
    * ``_payment_link_paid_reason()``: the reason logged when a payment made elsewhere closes
      its links ("The document was paid");
    * ``_payment_link_write_stop_reason(vals)``: why writing ``vals`` stops its live links
      (False);
    * ``_payment_link_partner()`` / ``_payment_link_contact()``: who pays / who receives the
      message (``partner_id``);
    * ``_payment_link_salesperson()``: the user told of the payment (none);
    * ``_payment_link_extra_values()``: values of its new links, only a Many2one a view, report
      or record rule needs ({});
    * ``_payment_link_transaction_values()``: what ties a payment transaction to it ({});
    * ``_payment_link_is_validation()``: its page saves a card without paying (False);
    * ``_payment_link_charge_allowed()``: whether a saved card may pay it, the document
      type's charge policy read by ``payment_link_sms_card`` (False);
    * ``_payment_link_charge_refusal()``: why a saved card cannot be charged for it now (its
      ``_payment_link_refusal()``);
    * ``_payment_link_state_changed(target, reason)``: told that one of its links moved to
      ``target`` ('sent', 'paid', 'expired', 'cancelled'...) (nothing);
    * ``_payment_link_message_templates(kind)``: ``{'sms': ..., 'email': ...}`` templates of
      its links for ``kind`` ('request', 'reminder', 'receipt', 'charge_notice') (the
      payment link's);
    * ``_payment_link_summary_template()``: the QWeb summary on the pay page (generic);
    * ``_payment_link_expiration_date(default)``: an earlier expiry when its offer ends first
      (``default``);
    * ``_payment_link_find_domain(number)``: how ``payment.link.api.find_document`` finds it
      (by ``name``);
    * ``_payment_link_count_labels()``: its singular and plural with ``%s``, translated (the
      model's description);
    * ``_payment_link_report_ref()`` / ``_payment_link_pdf_label()`` /
      ``_payment_link_receipt_pdf()``: the report attached to the receipt, its button's label,
      and its PDF (no report: no PDF button).

    Addons that extend the contract list their own hooks in their extension's docstring.

    What a document type calls (never overrides): ``_paylink_sync_paid()`` from wherever Odoo
    tells it that it was paid (``_invoice_paid_hook``, a transaction's ``_set_done``...), and,
    in its email templates, ``object._payment_link_mail_url()`` (the "Pay now" link's marker).
    """

    _name = "payment.link.mixin"
    _description = "Payment Link Document"

    payment_link_ids = fields.One2many(
        comodel_name="payment.link",
        inverse_name="res_id",
        string="Payment Links",
        domain=lambda self: [("res_model", "=", self._name)],
        readonly=True,
        copy=False,
    )
    payment_link_can_send = fields.Boolean(
        string="Can Send A Payment Link", compute="_compute_payment_link_can_send"
    )

    payment_link_state = fields.Selection(
        selection=const.STATES,
        string="Payment Link",
        compute="_compute_payment_link_state",
        store=True,
        index=True,
        help="State of the latest payment link of the document.",
    )
    payment_link_expiration_date = fields.Datetime(
        string="Payment Link Expiry",
        compute="_compute_payment_link_state",
        store=True,
    )
    payment_link_days_left = fields.Integer(
        string="Days Left", compute="_compute_payment_link_days_left"
    )
    payment_link_count = fields.Integer(compute="_compute_payment_link_state", store=True)
    payment_link_sent_date = fields.Datetime(
        string="Payment Link Sent On", compute="_compute_payment_link_state", store=True
    )
    payment_link_paid_date = fields.Datetime(
        string="Paid by Link On", compute="_compute_payment_link_state", store=True
    )
    payment_link_partly_paid = fields.Boolean(
        string="Partly Paid by Link",
        compute="_compute_payment_link_state",
        store=True,
        help="The live link of the document was paid in part; the rest is still due.",
    )

    payment_link_expiry_label = fields.Char(
        string="Link Expires", compute="_compute_payment_link_days_left"
    )
    payment_link_delivery_state = fields.Selection(
        selection=const.DELIVERY_STATES,
        string="Link Delivery",
        compute="_compute_payment_link_delivery",
        help="Whether the latest link's message reached the customer (SMS and email together: "
        "failed if one failed, delivered once all were).",
    )
    payment_link_delivery_reason = fields.Char(
        string="Not Delivered Because", compute="_compute_payment_link_delivery"
    )

    @api.depends(
        # The document's own fields too: a paid link leaves the document partly paid until
        # the rest is paid (_paylink_paid_in_part).
        lambda self: [
            *const.DOCUMENT_LINK_DEPENDS,
            *(
                name
                for name in self._payment_link_can_send_depends()
                if not name.startswith("payment_link_")
            ),
        ]
    )
    def _compute_payment_link_state(self):
        for document in self:
            # Sorted here: a link created in this transaction is appended to a cached one2many,
            # not put first by the model's order (a resend would show the cancelled link).
            links = document.payment_link_ids.sorted("id", reverse=True)
            latest = links[:1]
            # "Paid by link": payment links only (a card charged or saved is not a link paid).
            paid_dates = [
                link.paid_date
                for link in links
                if link.state == "paid"
                and link.kind == "payment"
                and link.paid_transaction_id
                and link.paid_date
            ]
            document.payment_link_state = latest.state
            document.payment_link_expiration_date = latest.expiration_date
            document.payment_link_count = len(links)
            document.payment_link_sent_date = latest.sent_date
            document.payment_link_paid_date = max(paid_dates, default=False)
            document.payment_link_partly_paid = latest.is_partly_paid or (
                document._paylink_paid_in_part(latest)
            )

    @api.depends(lambda self: self._payment_link_can_send_depends())
    def _compute_payment_link_can_send(self):
        for document in self:
            document.payment_link_can_send = not document._payment_link_refusal()

    @api.depends("payment_link_state", "payment_link_expiration_date")
    def _compute_payment_link_days_left(self):
        now = fields.Datetime.now()
        for document in self:
            live = document.payment_link_state in const.LIVE_STATES
            days = utils.days_left(document.payment_link_expiration_date, now) if live else 0
            document.payment_link_days_left = days
            latest = document.sudo().payment_link_ids.sorted("id", reverse=True)[:1]
            document.payment_link_expiry_label = (
                document.env._(
                    "%(date)s (in %(days)s days)",
                    # The date the customer reads in the message and on the page.
                    date=format_date(document.env, latest._get_expiration_local_date()),
                    days=days,
                )
                if live and days and latest
                else False
            )

    @api.depends(
        "payment_link_ids.sms_state",
        "payment_link_ids.email_state",
        "payment_link_ids.delivery_failure_reason",
    )
    def _compute_payment_link_delivery(self):
        for document in self:
            latest = document.sudo().payment_link_ids.sorted("id", reverse=True)[:1]
            states = [state for state in (latest.sms_state, latest.email_state) if state]
            if not states:
                delivery = False
            elif "failed" in states:
                delivery = "failed"
            elif all(state == "delivered" for state in states):
                delivery = "delivered"
            elif any(state in ("accepted", "delivered") for state in states):
                delivery = "accepted"
            else:
                delivery = "queued"
            document.payment_link_delivery_state = delivery
            document.payment_link_delivery_reason = (
                delivery == "failed" and latest.delivery_failure_reason or False
            )

    # === PUBLIC API === #

    def action_send_payment_link(self):
        """Open the wizard that sends a payment link for the selected documents."""
        self._paylink_check_caller()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Payment Link"),
            "res_model": "payment.link.send",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_ids": self.ids,
                "default_res_model": self._name,
                "default_res_ids": self.ids,
            },
        }

    def send_payment_link(self, channel, phone=None, email=None):
        """Send a payment link for each document of ``self``, without UI.

        A live link of a document is cancelled and replaced. Documents that cannot be sent
        (draft, cancelled, paid, vendor bill, missing or blacklisted recipient...) are refused
        with their reason and get nothing; the others are sent. When nothing can be sent, a
        ``UserError`` lists every reason.

        :param str channel: 'sms', 'email' or 'both'.
        :param str phone: Number to text instead of the partner's mobile / phone.
        :param str email: Address to email instead of the partner's email.
        :return: One dict per document, in order: ``{'document_id', 'link_id', 'url',
                 'state', 'expiration_date', 'error'}``; ``url`` is the full link, handed out
                 only here and in the message itself.
        :rtype: list
        """
        # As account.move.send: the sending service checks the recipients and sends, for
        # one document or many; no composer record is involved.
        self._paylink_check_caller()
        result = self.env["payment.link.send.service"]._send(
            self, channel, phone=phone or None, email=email or None, replace=True
        )
        # Only what the answers need: a bulk send must not load every column of every link.
        result["links"].fetch(["res_id", "state", "expiration_date"])
        link_by_doc = {link.res_id: link for link in result["links"]}
        answers = []
        for document in self:
            link = link_by_doc.get(document.id)
            answers.append(
                {
                    "document_id": document.id,
                    "link_id": link.id if link else False,
                    "url": result["urls"][link.id] if link else False,
                    "state": link.state if link else False,
                    "expiration_date": fields.Datetime.to_string(link.expiration_date)
                    if link
                    else False,
                    "error": result["refused"].get(document.id, False),
                }
            )
        return answers

    def action_expire_payment_links(self):
        self._paylink_check_caller()
        self.payment_link_ids.filtered("is_live").action_expire()
        return True

    def action_resend_payment_link(self):
        self.ensure_one()
        self._paylink_check_caller()
        latest = self.payment_link_ids.sorted("id", reverse=True)[:1]
        if not latest:
            return self.action_send_payment_link()
        new_link, urls = self.env["payment.link.send.service"]._resend(latest)
        return self.env["payment.link.send.service"]._sent_dialog(new_link, urls)

    def action_view_payment_links(self):
        # Who reads links (senders, accountants) and may read these documents.
        self.env["payment.link"].check_access("read")
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "payment_link_sms.action_payment_link"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        action["context"] = {"create": False}
        if len(self.payment_link_ids) == 1:
            action.update(
                res_id=self.payment_link_ids.id, view_mode="form", views=[(False, "form")]
            )
        return action

    # ======================================================================================
    # CONTRACT: the hooks a document type may override, and nothing else (the class
    # docstring lists them; readme/DEVELOP.md links here). Required ones first.
    # ======================================================================================

    def _payment_link_amount_due(self):
        """The amount due now, computed on the server (the page never trusts the client)."""
        raise NotImplementedError

    def _payment_link_refusal(self):
        """Return why this document cannot be sent a link (a translated sentence), or False."""
        return False

    def _payment_link_can_send_depends(self):
        """The fields ``_payment_link_refusal`` reads (``payment_link_can_send`` depends on)."""
        return ["payment_link_state"]

    def _payment_link_is_paid(self):
        return False

    def _payment_link_paid_meanwhile(self, transaction):
        """Whether ``transaction``, a payment through a link of this document confirmed now,
        pays something that was paid meanwhile elsewhere although the document is not paid in
        full (a statement's invoice paid through its own link): it is then handled as paid
        twice (refunded or flagged), never applied to something else. Default False."""
        return False

    def _payment_link_sender_refusal(self, channel):
        """Why the current user may not send this document a link on ``channel`` now (a
        translated sentence), or False: rules on the sender, checked on every send path (the
        wizard, ``send_payment_link``, a resend), never on the customer's page."""
        return False

    def _payment_link_refund_refusal(self, link, amount):
        """Why ``amount`` of the paid ``link`` of this document cannot be refunded (a translated
        sentence), or False. The provider's support and the amounts are checked by
        ``payment.link.action_refund``; this says whether the document allows it."""
        return False

    def _payment_link_void_reason(self):
        """Why the live links of the document are cancelled now although it is not paid (an
        invoice reversed...), a translated sentence, or False."""
        return False

    def _payment_link_paid_reason(self):
        """The reason logged when a payment made elsewhere closes the document's links."""
        return self.env._("The document was paid")

    def _payment_link_write_stop_reason(self, vals):
        """Why writing ``vals`` on documents of this type stops their live links (a translated
        sentence: the document was cancelled, reset to draft...), or False.

        :param dict vals: The values written (the same on every document of ``self``).
        """
        return False

    def _payment_link_partner(self):
        """The customer who pays."""
        return self.partner_id

    def _payment_link_contact(self):
        """The contact whose mobile number and email address receive the link by default
        (the customer who pays, unless the document names someone else to talk to)."""
        return self._payment_link_partner()

    def _payment_link_salesperson(self):
        return self.env["res.users"]

    def _payment_link_extra_values(self):
        """Extra values of the links created for this document (its own Many2one...)."""
        return {}

    def _payment_link_transaction_values(self):
        """Create values linking a payment transaction to this document."""
        return {}

    def _payment_link_is_validation(self):
        """Whether the document's page saves a card without paying (Odoo's validation
        operation) instead of taking a payment."""
        return False

    def _payment_link_charge_allowed(self):
        """Whether documents of this type may be paid by charging a saved card (the document
        type's charge policy, used when a concern addon charges cards). False by default;
        invoices and confirmed orders declare it."""
        return False

    def _payment_link_charge_refusal(self):
        """Why a saved card cannot be charged for this document (translated), or False. By
        default, what refuses a link: a document type that charges only in some states (a
        confirmed order) adds its own reason."""
        return self._payment_link_refusal()

    def _payment_link_state_changed(self, target, reason=False):
        """Called when a link of the documents of ``self`` moved to ``target`` ('sent',
        'paid', 'expired', 'cancelled'...), with the reason of the change."""

    @api.model
    def _payment_link_message_templates(self, kind="request"):
        """The messages of the links of this kind of document (for its company):
        ``{'sms': sms.template, 'email': mail.template}``.

        :param str kind: 'request' or 'reminder'.
        """
        return {
            channel: self.env.ref(xmlid) for channel, xmlid in const.MESSAGE_TEMPLATES[kind].items()
        }

    def _payment_link_summary_template(self):
        """The QWeb template showing this document on the pay page."""
        return "payment_link_sms.pay_page_summary_generic"

    def _payment_link_expiration_date(self, default):
        """When a link sent now for this document expires.

        :param datetime default: Now plus the company's validity (naive UTC).
        :return: ``default``, or an earlier date when the document's own offer ends first.
        :rtype: datetime
        """
        return default

    @api.model
    def _payment_link_find_domain(self, number):
        """The domain finding the documents numbered ``number`` (the API's ``find_document``)."""
        return [("name", "=", number)]

    @api.model
    def _payment_link_count_labels(self):
        """The document's singular and plural, translated, each with ``%s`` for the count
        (e.g. ``("%s invoice", "%s invoices")``); none: the model's description is used."""
        return

    def _payment_link_pdf_label(self):
        """The label of the receipt's button that downloads the document (translated)."""
        return self.env._("Download (PDF)")

    def _payment_link_report_ref(self):
        """The report printed for the customer's receipt (xmlid), or False for none."""
        return False

    def _payment_link_receipt_pdf(self):
        """The document's PDF for the receipt of a paid link: ``(filename, content)``.

        :raise UserError: When the PDF cannot be rendered (no wkhtmltopdf on the server).
        """
        self.ensure_one()
        report_ref = self._payment_link_report_ref()
        content, _type = self.env["ir.actions.report"].sudo()._render_qweb_pdf(report_ref, self.ids)
        return f"{self.display_name.replace('/', '_')}.pdf", content

    # ======================================================================================
    # END OF CONTRACT. Below, the mixin's own machinery: named ``_paylink_*``, never
    # overridden by a document type (a bridge that needs another behaviour asks for a hook).
    # ======================================================================================

    def _paylink_check_caller(self, operation="write"):
        """The rights check of every public method of a payable document, run first, before
        any ``sudo()`` helper: the caller sends payment links (the group
        ``payment_link_sms.group_payment_link_user``) and may ``operation`` the documents of
        ``self`` (access rights and record rules: a portal customer, a user of another company
        or an unrelated internal user is refused and nothing is written).

        :raise AccessError: When the caller may not act on these documents.
        """
        self.env["payment.link"]._ensure_manage_rights()
        self.check_access(operation)

    def _paylink_sync_paid(self):
        """Close the live links of the documents of ``self`` that were paid (or voided)
        elsewhere: another payment, a reconciliation, a reversal."""
        live = self._paylink_live_links()
        live_ids = set(live.mapped("res_id"))
        for document in self.filtered(lambda doc: doc.id in live_ids):
            links = live.filtered(lambda link, doc=document: link.res_id == doc.id)
            void_reason = document._payment_link_void_reason()
            if void_reason:
                links._cancel_for_documents(void_reason)
            elif document._payment_link_is_paid():
                links._mark_paid(reason=document._payment_link_paid_reason())

    def write(self, vals):
        res = super().write(vals)
        reason = self and self[:1]._payment_link_write_stop_reason(vals)
        if reason:
            self._paylink_stop(reason)
        return res

    def _paylink_stop(self, reason):
        """Cancel the live links of the documents of ``self``, logging ``reason``."""
        self._paylink_live_links()._cancel_for_documents(reason)

    def _paylink_latest_live(self):
        """The document's live link (the latest one), if any."""
        self.ensure_one()
        return self.sudo().payment_link_ids.filtered("is_live").sorted("id", reverse=True)[:1]

    def _paylink_live_links(self):
        """The live links of the documents of ``self`` (as superuser)."""
        return self.sudo().payment_link_ids.filtered(lambda link: link.state in const.LIVE_STATES)

    def _paylink_ensure_live(self, email=None):
        """The live link of the document, created (for the email channel) when there is none.

        Used when a document's own email carries the link: nothing is sent here, the email
        itself is the message.

        :return: The live link, or an empty recordset when the document cannot be paid.
        """
        self.ensure_one()
        live = self._paylink_latest_live()
        if live or self._payment_link_refusal():
            return live
        partner = self._payment_link_partner()
        plan = {
            "document": self,
            "partner": partner,
            "company": self.company_id,
            "email": email or partner.email_normalized or False,
        }
        links, _urls = self.env["payment.link.send.service"]._create_links(
            [plan], "email", sent=True
        )
        return links

    def _payment_link_mail_url(self):
        """Where an email template of the document puts its "Pay now" link.

        Rendering gives a marker, not a link: the working link is created (or a live one
        reused with a token of its own) when the email is queued, so that a preview or a
        discarded draft never creates a link, and the chatter copy of the email shows it masked.

        :return: The marker URL (absolute, to survive the mail layout's link handling).
        :rtype: str
        """
        self.ensure_one()
        return (
            f"{self.get_base_url()}{const.ROUTE_PREFIX}{utils.LINK_MARKER_PREFIX}"
            f"{self._name}-{self.id}-{self._paylink_marker_signature()}"
        )

    def _paylink_marker_signature(self):
        self.ensure_one()
        return hmac(self.env(su=True), "payment_link_sms.mail-marker", (self._name, self.id))[:16]

    def _paylink_default_phone(self):
        contact = self._payment_link_contact()
        return contact.mobile or contact.phone

    def _paylink_default_email(self):
        return self._payment_link_contact().email

    def _paylink_is_payable(self):
        """Whether the document can still be paid through a link."""
        return not self._payment_link_refusal()

    @api.model
    def _paylink_count_label(self, count):
        """``count`` documents of this model, said in the user's language (a background
        send's name: "5,000 invoices by SMS"), from ``_payment_link_count_labels()``."""
        formatted = formatLang(self.env, count, digits=0)
        labels = self._payment_link_count_labels()
        if labels:
            return (labels[0] if count == 1 else labels[1]) % formatted
        return self.env._(
            "%(count)s × %(model)s",
            count=formatted,
            model=self.env["ir.model"]._get(self._name).name,
        )

    def _paylink_pdf_is_live(self):
        """Whether the PDF being rendered is a download answer, and may carry a working link.

        Only a back-office download (Odoo's report route, flagged on the request by this
        addon) is; every other rendering may be stored (the PDF kept when an invoice is sent,
        an email's attachment, a portal copy) and shows the link masked. A flag on the request,
        not in the context: a client cannot set it.
        """
        return bool(request and getattr(request, "payment_link_pdf_live", False))

    def _paylink_pdf_available(self):
        """Whether a receipt offers the document's PDF: Odoo found a wkhtmltopdf when it
        started, and making a PDF did not fail on this server in the last hour (see
        ``_paylink_receipt_pdf_if_possible``); otherwise it offers the web page."""
        state = self.env["ir.actions.report"].get_wkhtmltopdf_state()
        failed_at = self.env["ir.config_parameter"].sudo().get_param(const.PDF_FAILED_PARAM)
        recent = failed_at and failed_at > str(fields.Datetime.now() - timedelta(hours=1))
        return state in ("ok", "upgrade", "workers") and not recent

    def _paylink_receipt_pdf_if_possible(self):
        """The document's PDF for a receipt, ``(filename, content)``, or None when this server
        cannot make it (no working wkhtmltopdf): the receipt then offers the web page."""
        self.ensure_one()
        if not self._paylink_pdf_available():
            return None
        try:
            with self.env.cr.savepoint():
                return self._payment_link_receipt_pdf()
        except UserError:
            # wkhtmltopdf is there but fails: the receipts offer the web page for an hour.
            self.env["ir.config_parameter"].sudo().set_param(
                const.PDF_FAILED_PARAM, str(fields.Datetime.now())
            )
            return None

    def _paylink_receipt_html(self):
        """The document's report as HTML: the receipt's fallback when no PDF can be made,
        within the pages' Content-Security-Policy (see ``utils.page_safe_report_html``)."""
        self.ensure_one()
        content, _type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_html(self._payment_link_report_ref(), self.ids)
        )
        bundle = self.env["ir.qweb"]._get_asset_bundle("web.report_assets_common", js=False)
        css = "".join(attachment.raw.decode() for attachment in bundle.css())
        return utils.page_safe_report_html(content, css)

    def _paylink_document_url(self, pdf=False):
        """The customer's portal URL of the document (its PDF when ``pdf``); a document without
        a portal page (no ``portal.mixin``: a statement) has none: the site's root."""
        self.ensure_one()
        if not isinstance(self, self.pool["portal.mixin"]):
            return "/"
        if pdf:
            return self.get_portal_url(report_type="pdf", download=True)
        return self.get_portal_url()

    # === STATUS WIDGET AND FILTERS (one definition for every document type) === #

    payment_link_status = fields.Json(
        string="Payment Link Status",
        compute="_compute_payment_link_status",
        help="What the payment_link_status widget shows: the latest link's state, money, "
        "expiry and delivery, and the actions the current user may take on it.",
    )

    @api.depends(
        "payment_link_state",
        "payment_link_can_send",
        "payment_link_partly_paid",
        "payment_link_expiration_date",
        "payment_link_delivery_state",
    )
    @api.depends_context("uid", "lang")
    def _compute_payment_link_status(self):
        may_manage = self.env.su or self.env.user.has_group(
            "payment_link_sms.group_payment_link_user"
        )
        for document in self:
            latest = document.sudo().payment_link_ids.sorted("id", reverse=True)[:1]
            if not may_manage or not (latest or document.payment_link_can_send):
                document.payment_link_status = False
                continue
            document.payment_link_status = self.env["payment.link.progress"]._status_values(
                document, latest
            )

    def _paylink_paid_in_part(self, link):
        """Whether ``link`` (the latest) was paid while the document still owes something: a
        card charged for part of the invoice, a deposit... The document is then partly paid."""
        self.ensure_one()
        if link.state != "paid" or not link.paid_transaction_id:
            return False
        if self._payment_link_is_paid():
            return False
        due = self._payment_link_amount_due()
        return self.currency_id.compare_amounts(due, 0) > 0

    def _payment_link_status_actions(self, link):
        """The buttons of the status widget, in order: ``[{'name', 'label', 'confirm',
        'primary', 'hotkey'}]``, ``name`` being a public method of the document. Only those the
        server accepts from the current user (the same checks as the methods themselves).
        A document type or another addon adds its own (a charge...) by extending this list."""
        self.ensure_one()
        env = self.env
        if not self.has_access("write"):
            return []
        state = link.state
        live = state in const.LIVE_STATES and link.is_live
        actions = []
        if self.payment_link_can_send and not live:
            actions.append(
                {
                    "name": "action_send_payment_link",
                    "label": env._("Send Payment Link"),
                    "primary": True,
                    "hotkey": "k",
                }
            )
        if self.payment_link_can_send and state in ("sent", "opened", "expired"):
            actions.append(
                {
                    "name": "action_resend_payment_link",
                    "label": env._("Resend Link"),
                    "primary": self.payment_link_delivery_state == "failed",
                    "confirm": env._(
                        "The current link stops working and a new one, valid again from "
                        "today, is sent on the same channel. Continue?"
                    ),
                }
            )
        if live:
            actions.append(
                {
                    "name": "action_expire_payment_links",
                    "label": env._("Expire Link"),
                    "confirm": env._(
                        "The customer will no longer be able to pay with the current link. "
                        "Continue?"
                    ),
                }
            )
        return actions

    @api.model
    def _payment_link_unpaid_domain(self):
        """The domain of the documents still to be paid, for the "Link expired unpaid" filter
        (default: all)."""
        return []

    @api.model
    def _paylink_search_filters(self):
        """The filters on payment links of the document's search views: one definition for
        every document type. A search view places them with
        ``<separator name="payment_link_filters"/>`` (see ``_get_view``)."""
        env = self.env
        unpaid = self._payment_link_unpaid_domain()
        expiring = (
            "[('payment_link_state', 'in', ('sent', 'opened')), "
            "('payment_link_expiration_date', '>=', context_today().strftime('%Y-%m-%d')), "
            "('payment_link_expiration_date', '<', "
            "(context_today() + relativedelta(days=8)).strftime('%Y-%m-%d'))]"
        )
        return [
            None,
            (
                "payment_link_sent",
                env._("Payment link sent"),
                env._("The latest payment link was sent and not opened yet"),
                repr([("payment_link_state", "=", "sent")]),
            ),
            (
                "payment_link_opened",
                env._("Link opened"),
                env._("The customer opened the latest payment link but did not pay yet"),
                repr([("payment_link_state", "=", "opened")]),
            ),
            (
                "payment_link_expired_unpaid",
                env._("Link expired unpaid"),
                env._(
                    "The latest payment link expired before it was paid, and the document is "
                    "still to be paid (a document sent a newer link is not counted)"
                ),
                repr([("payment_link_state", "=", "expired"), *unpaid]),
            ),
            (
                "payment_link_partly_paid",
                env._("Link partly paid"),
                env._("Part of what is due was paid by link or charged; the rest is still due"),
                repr([("payment_link_partly_paid", "=", True)]),
            ),
            (
                "payment_link_paid",
                env._("Paid by link"),
                env._(
                    "The customer paid in full through a payment link (a card on file charged "
                    "or a card request is not counted)"
                ),
                repr(
                    [
                        ("payment_link_paid_date", "!=", False),
                        ("payment_link_partly_paid", "=", False),
                    ]
                ),
            ),
            (
                "payment_link_expiring",
                env._("Links about to expire"),
                env._("The latest link is live and expires within a week"),
                expiring,
            ),
            None,
            (
                "filter_payment_link_sent_date",
                env._("Link Sent Date"),
                None,
                "payment_link_sent_date",
            ),
            (
                "filter_payment_link_paid_date",
                env._("Paid by Link Date"),
                None,
                "payment_link_paid_date",
            ),
            (
                "group_by_payment_link_state",
                env._("Payment Link"),
                None,
                "{'group_by': 'payment_link_state'}",
            ),
        ]

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "search":
            for anchor in arch.xpath("//separator[@name='payment_link_filters']"):
                self._payment_link_place_filters(anchor)
        return arch, view

    @api.model
    def _payment_link_place_filters(self, anchor):
        parent = anchor.getparent()
        index = parent.index(anchor)
        nodes = []
        for spec in self._paylink_search_filters():
            if spec is None:
                nodes.append(etree.Element("separator"))
                continue
            name, label, help_text, value = spec
            node = etree.Element("filter", name=name, string=label)
            if name.startswith("filter_"):
                node.set("date", value)
            elif name.startswith("group_by_"):
                node.set("context", value)
            else:
                node.set("domain", value)
            if help_text:
                node.set("help", help_text)
            nodes.append(node)
        parent.remove(anchor)
        for offset, node in enumerate(nodes):
            parent.insert(index + offset, node)
