# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, html2plaintext, split_every

from odoo.addons.phone_validation.tools import phone_validation

from .. import const, utils

_logger = logging.getLogger(__name__)


class PaymentLinkSendService(models.AbstractModel):
    """Sending payment links, as ``account.move.send`` sends invoices: one service owns the
    planning (which documents can be sent, to whom), the recipients and their blacklists, the
    batching, the creation of the links, the rendering of their messages and their queueing in
    Odoo's outboxes (``sms.sms``, ``mail.mail``).

    Its callers only collect choices: the composer (``payment.link.send``) and its previews,
    the documents' ``send_payment_link`` API, a resend (``payment.link._resend``), the
    background job (``payment.link.send.job``), the reminders' cron and the desk request's
    preview. Every entry point that sends starts with :meth:`_check_send_rights`.

    Everything is an argument: the links' full URLs travel as a :class:`utils.UrlMap`
    (``urls``), handed to the templates' renderer only in :meth:`_with_urls`.
    """

    _name = "payment.link.send.service"
    _description = "Payment Link Sending"

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
            # Odoo's public formatting tool (what partner._phone_format calls).
            e164 = phone_validation.phone_format(
                number, country.code, country.phone_code, force_format="E164"
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

    @api.model
    def _message_limit(self):
        """How many messages one number or address may receive per rolling hour (0: no limit;
        ``const.MAX_MESSAGES_PARAM``)."""
        return utils.parse_count_param(
            self.env["ir.config_parameter"].sudo().get_param(const.MAX_MESSAGES_PARAM),
            const.MAX_MESSAGES_PER_RECIPIENT_HOUR,
            minimum=0,
        )

    @api.model
    def _message_limit_errors(self, plans):
        """Refuse the recipients that would get more than :meth:`_message_limit` messages in
        an hour (those already sent, and those of the plans before them), one query.

        :param list plans: dicts with 'partner', 'phone', 'email' and 'error' keys.
        """
        limit = self._message_limit()
        if not limit:
            return
        wanted = {
            recipient
            for plan in plans
            if not plan["error"]
            for recipient in (plan.get("phone"), plan.get("email"))
            if recipient
        }
        counts = self.env["payment.link.event"]._recent_message_counts(wanted)
        for plan in plans:
            if plan["error"]:
                continue
            recipients = [r for r in (plan.get("phone"), plan.get("email")) if r]
            full = next((r for r in recipients if counts.get(r, 0) >= limit), None)
            if full:
                plan["error"] = self.env._(
                    "%(recipient)s of %(partner)s already received %(count)s payment messages "
                    "in the last hour, the most allowed: nothing more is sent to it for now. "
                    "Try again later.",
                    recipient=full,
                    partner=plan["partner"].display_name,
                    count=counts[full],
                )
                continue
            for recipient in recipients:
                counts[recipient] = counts.get(recipient, 0) + 1

    # === BUSINESS METHODS: sending === #

    @api.model
    def _send(
        self,
        documents,
        channel,
        phone=None,
        email=None,
        replace=False,
        raise_if_none=True,
        refusal=None,
        resent_from=None,
        save_card_consent=False,
    ):
        """Create and send one link per document; refuse, with a reason, what cannot be sent.

        Everything is checked before anything is written: a refused document gets no link, no
        message and no event. Messages go to Odoo's outboxes (``sms.sms`` and ``mail.mail``) and
        their queues are triggered, so a message is handed to the provider only once the links
        it carries are committed.

        Documents are handled in batches (``_batch_size``); between two batches the
        ORM cache is emptied (after a flush), so that sending to thousands of documents takes
        bounded memory. Within the caller's transaction, the result is the same as one batch.

        :param documents: Records of a model inheriting ``payment.link.mixin``.
        :param str channel: 'sms', 'email' or 'both'.
        :param str phone: A number to use instead of each partner's mobile / phone.
        :param str email: An address to use instead of each partner's email.
        :param bool replace: Whether live links of the documents may be cancelled and replaced.
        :param bool raise_if_none: Raise a ``UserError`` listing the refusals when nothing can
                                   be sent (a background send records them per document).
        :param refusal: ``refusal(document) -> str or False``, the document's refusal as the
                        caller sees it (the composer's, see ``payment.link.send``); default:
                        the document's ``_payment_link_refusal()``.
        :param resent_from: The ``payment.link`` this send resends (its 'resent' event).
        :param str save_card_consent: The staff consent to save the card ('phone', 'in_person'),
                                      checked against the sender's rights.
        :return: ``{'links': payment.link, 'urls': {link_id: url}, 'refused': {doc_id: str}}``
        """
        documents = documents.with_env(self.env)  # read and checked as the service's caller
        self._check_send_rights(channel)
        if save_card_consent:
            self._check_save_card_consent(save_card_consent)
        batches = [
            documents.browse(batch_ids)
            for batch_ids in split_every(self._batch_size(), documents.ids)
        ]
        for batch in batches:
            batch.check_access("write")
            if len(batches) > 1:
                documents.invalidate_model()  # what the check read, a batch at a time
        link_ids, urls, refused = [], utils.UrlMap(), {}
        now = fields.Datetime.now()
        options = {
            "phone": phone,
            "email": email,
            "replace": replace,
            "bulk": len(documents) > 1 and not phone and not email,
            "refusal": refusal,
            "resent_from": resent_from,
            "save_card_consent": save_card_consent,
        }
        for index, batch in enumerate(batches):
            if index:
                # The previous batch is written (its steps announced): free what its records
                # hold in memory.
                self.env["payment.link.event"]._send_pending_progress()
                self.env.flush_all()
                for model in self._batch_models(documents):
                    self.env[model].invalidate_model(flush=False)
            batch_link_ids, batch_refused = self._send_batch(batch, channel, urls, now, options)
            link_ids += batch_link_ids
            refused.update(batch_refused)
        if not link_ids and raise_if_none:
            raise UserError("\n".join(refused.values()))
        return {
            "links": self.env["payment.link"].sudo().browse(link_ids),
            "urls": urls,
            "refused": refused,
        }

    @api.model
    def _check_send_rights(self, channel):
        """The one rights check of sending (see ``payment.link._ensure_manage_rights``), and
        the channel's."""
        self.env["payment.link"]._ensure_manage_rights()
        if channel not in dict(const.CHANNELS):
            raise UserError(self.env._("Unknown channel %s: use sms, email or both.", channel))

    @api.model
    def _batch_size(self):
        param = self.env["ir.config_parameter"].sudo().get_param("payment_link_sms.send_batch_size")
        return utils.parse_count_param(param, const.SEND_BATCH_SIZE)

    @api.model
    def _batch_models(self, documents):
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
    def _send_batch(self, documents, channel, urls, now, options):
        """Check, create and send the links of one batch of documents; add the full URLs of
        the new links to ``urls``.

        :param dict options: the arguments of :meth:`_send` (phone, email, replace, refusal,
                             resent_from, save_card_consent) and 'bulk'.
        :return: ``(new link ids, {document id: reason of refusal})``
        """
        live_links = self._live_links_of(documents)
        plans = self._plan_batch(
            documents,
            channel,
            options["phone"],
            options["email"],
            options["replace"],
            dict(live_links.grouped("res_id")),
            options["bulk"],
            refusal=options["refusal"],
        )

        refused = {plan["document"].id: plan["error"] for plan in plans if plan["error"]}
        plans = [plan for plan in plans if not plan["error"]]
        if not plans:
            return [], refused

        consent = options["save_card_consent"]
        links, batch_urls = self._create_links(
            plans, channel, now=now, sent=True, log_created=False, save_card_consent=consent
        )
        urls.update(batch_urls)
        self._queue_messages(links, batch_urls, log_created=True)  # created and sent: one INSERT
        self._replace_links(live_links, links, resent_from=options["resent_from"])
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
    def _plan_batch(
        self, documents, channel, phone, email, replace, live_by_doc, bulk=False, refusal=None
    ):
        """Check each document and its recipients; nothing is written.

        A refusal names the document (a bulk send lists them) and says what fixes it.

        :param bool bulk: Several documents sent at once, to their own recipients.
        :param refusal: See :meth:`_send`.
        :return: One plan per document, dicts with 'document', 'partner', 'company', 'phone',
                 'email' and 'error' (a translated sentence, or False).
        """
        use_sms, use_email = channel in ("sms", "both"), channel in ("email", "both")
        refusal = refusal or (lambda document: document._payment_link_refusal())
        plans = []
        for document in documents:
            partner = document._payment_link_partner()
            company = document.company_id
            plan = {
                "document": document,
                "partner": partner,
                "company": company,
                "error": refusal(document) or document._payment_link_sender_refusal(channel),
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
                    partner, company, phone or document._paylink_default_phone(), bulk=bulk
                )
            if not plan["error"] and use_email:
                plan["email"], plan["error"] = self._resolve_email(
                    partner, email or document._paylink_default_email(), bulk=bulk
                )
            plan["recipient_checked"] = not document_refused
            plans.append(plan)
        self._blacklist_errors(plans)
        self._message_limit_errors(plans)
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

    @api.model
    def _sent_dialog_title(self, links):
        """The sent dialog's title, in the words of the links' kind."""
        if links and all(link.kind == "card_request" for link in links):
            if len(links) == 1:
                return self.env._("Card request sent")
            return self.env._("%s card requests sent", len(links))
        if len(links) == 1:
            return self.env._("Payment link sent")
        return self.env._("%s payment links sent", len(links))

    @api.model
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

    # === LINKS === #

    @api.model
    def _check_save_card_consent(self, method):
        """The staff consent to save the card paid with (the composer's), for a sender allowed
        to record it. Hook of a card addon, which saves cards and records consents: without it,
        no consent can be recorded."""
        raise UserError(self.env._("Saving cards is not available."))

    @api.model
    def _default_lang(self, partner, company):
        return (
            partner.lang
            or company.partner_id.lang
            or self.env["res.lang"]._get_data(code=self.env.lang).code
            or "en_US"
        )

    @api.model
    def _create_links(
        self, plans, channel, now=None, sent=False, log_created=True, save_card_consent=False
    ):
        """Create one link per plan; the tokens exist only in the returned URLs.

        :param list plans: dicts with 'document', 'partner', 'company', 'phone', 'email'.
        :param str channel: 'sms', 'email' or 'both'.
        :param datetime now: The time the validity starts from (default: now).
        :param bool sent: Create them as sent, their messages being queued right after in this
                          transaction: each row is written once, not inserted then updated.
        :param bool log_created: Log their 'created' events now; False when the caller has
                                 them logged with the 'sent' ones (``_queue_messages``'s
                                 ``log_created``): one INSERT for both.
        :param str save_card_consent: See :meth:`_send` (checked there).
        :return: ``(links, urls)`` with ``urls`` a :class:`utils.UrlMap` {link id: full URL}.
        """
        now = now or fields.Datetime.now()
        # A new link is unpaid: its stored reporting fields as their computes give them, in
        # the INSERT (else Odoo updates every new row right after it).
        sent_values = {
            "paid_by_link": False,
            "conversion_rate": 0.0,
            "hours_to_pay": False,
            "is_partly_paid": False,
        }
        if sent:
            sent_values |= {
                "state": "sent",
                "sent_date": now,
                "sms_state": "queued" if channel in ("sms", "both") else False,
                "email_state": "queued" if channel in ("email", "both") else False,
            }
        tokens, vals_list = [], []
        for plan in plans:
            token = utils.generate_token()
            tokens.append(token)
            values = self._prepare_link_values(
                plan, channel, token, now, save_card_consent=save_card_consent
            )
            vals_list.append({**values, **sent_values})
        links = self.env["payment.link"].sudo().create(vals_list)
        self._chain_earlier_requests(links)
        if sent:
            links._tell_documents("sent")
        urls = utils.UrlMap(
            (link.id, link._build_url(token)) for link, token in zip(links, tokens, strict=True)
        )
        if log_created:
            links._log_events("created")
        return links, urls

    @api.model
    def _prepare_link_values(self, plan, channel, token, now, save_card_consent=False):
        """The values of a new link for ``plan`` (see :meth:`_plan_batch`); a card addon
        keeps ``save_card_consent`` (see :meth:`_send`) on the link."""
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
            "lang": self._default_lang(partner, company),
            "sender_id": self.env.user.id,
            "salesperson_id": document._payment_link_salesperson().id,
            **document._payment_link_extra_values(),
        }

    @api.model
    def _preview_link(self, document, channel, phone=False, email=False):
        """An unsaved link of ``document``, with a placeholder token as long as a real one.

        :return: ``(link, urls)``, ``urls`` giving the link's placeholder URL.
        """
        plan = {
            "document": document,
            "partner": document._payment_link_partner(),
            "company": document.company_id,
            "phone": phone,
            "email": email,
        }
        token = "x" * len(utils.generate_token())
        values = self._prepare_link_values(plan, channel, token, fields.Datetime.now())
        values.pop("token_hash")
        link = self.env["payment.link"].new(values)
        urls = utils.UrlMap({link.id: f"{link.get_base_url()}{const.ROUTE_PREFIX}{token}"})
        return link, urls

    @api.model
    def _render_preview(self, link, urls, channel):
        """The messages an unsaved ``link`` (:meth:`_preview_link`) would be sent on
        ``channel``: ``{'sms': text or False, 'subject': str, 'body': html}``."""
        preview = {"sms": False, "subject": False, "body": False}
        if channel in ("sms", "both"):
            preview["sms"] = self._render_sms_bodies(link, urls)[link.id]
        if channel in ("email", "both"):
            template = self._message_templates(link, "request")["email"].sudo()
            template = self._with_urls(template, urls)
            preview["subject"] = template._render_field(
                "subject", list(link._ids), compute_lang=True
            )[link.id]
            preview["body"] = template._render_field(
                "body_html", list(link._ids), compute_lang=True
            )[link.id]
        return preview

    # === MESSAGES: rendering and queueing === #

    @api.model
    def _with_urls(self, records, urls):
        """``records`` reading the full URLs of the links being sent: ``payment.link.url``
        (what the templates show, ``object.url``) gives ``urls[link.id]``.

        The one place that sets the context key ``payment_link_urls``: Odoo's renderer reads
        the template's ``object.url`` through the ORM, which has no argument for it.
        """
        return records.with_context(payment_link_urls=urls)

    @api.model
    def _queue_messages(self, links, urls, kind="request", log_created=False):
        """Queue the SMS and emails carrying the URLs of ``links``.

        What is stored besides the outgoing message itself (events, chatter) shows the token
        masked. Messages go to Odoo's outboxes and their queues are triggered: a message leaves
        only once the transaction that created its link is committed.

        :param links: ``payment.link`` records.
        :param dict urls: {link id: full URL} (see :meth:`_create_links`,
                          ``payment.link.token._issue``).
        :param str kind: 'request' (the first message) or 'reminder'.
        :param bool log_created: Log the links' 'created' events first, in the same INSERT as
                                 the 'sent' ones (see ``_create_links``).
        """
        groups = links.grouped(lambda link: (link.res_model, link.company_id))
        if len(groups) > 1:
            # Each kind of document of each company may have messages of its own.
            for group in groups.values():
                self._queue_messages(group, urls, kind=kind, log_created=log_created)
            return
        templates = self._message_templates(links, kind)
        token_by_link = {link_id: url.rsplit("/", 1)[1] for link_id, url in urls.items()}
        event_type = "sent" if kind == "request" else "reminder"
        sms_links = links.filtered(lambda link: link.channel in ("sms", "both"))
        email_links = links.filtered(lambda link: link.channel in ("email", "both"))
        events, summaries = [], {}
        if log_created:
            events += [{"link_id": link.id, "event_type": "created"} for link in links]
        if sms_links:
            self._queue_sms(
                sms_links, urls, templates["sms"], token_by_link, event_type, events, summaries
            )
        if email_links:
            self._queue_email(
                email_links, urls, templates["email"], token_by_link, event_type, events, summaries
            )
        self.env["payment.link.event"].sudo().create(events)
        now = fields.Datetime.now()
        if kind == "request":
            # Links created by a send are created as sent (see _create_links).
            unsent = links.filtered(lambda link: link.state != "sent")
            unsent.sudo().write({"state": "sent", "sent_date": now})
            unsent._tell_documents("sent")
        else:
            links.sudo().write({"reminder_date": now})
        self.env["payment.link.event"]._log_sent_on_documents(summaries, kind)

    @api.model
    def _message_templates(self, links, kind="request"):
        """The SMS and email templates of ``links`` (one document model and one company):
        ``{'sms': sms.template, 'email': mail.template}``, as the document says
        (``_payment_link_message_templates``)."""
        link = links[:1]
        if link.res_model in self.env and link.res_id:
            # Not _get_document(): no query to check that the document exists (it does: its
            # link is being sent); a document type whose templates are the default reads none.
            document = self.env[link.res_model].browse(link.res_id)
            return document._payment_link_message_templates(kind)
        return self.env["payment.link.mixin"]._payment_link_message_templates(kind)

    @api.model
    def _queue_sms(self, links, urls, template, token_by_link, event_type, events, summaries):
        """Queue the SMS of ``links`` (see :meth:`_queue_messages`); add their masked events
        and chatter summaries to ``events`` and ``summaries``."""
        bodies = self._render_sms_bodies(links, urls, template)
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
                    for link in links
                ]
            )
        )
        self.env["sms.tracker"].sudo().create(
            [
                {"sms_uuid": sms.uuid, "payment_link_id": link.id}
                for link, sms in zip(links, sms_records, strict=True)
            ]
        )
        for link in links:
            masked = utils.mask_token(bodies[link.id], token_by_link[link.id])
            events.append(self._sent_event_values(link, event_type, "sms", link.phone, masked))
            summaries.setdefault(link, []).append(("sms", link.phone, masked))
        links.filtered(lambda link: link.sms_state != "queued").sudo().sms_state = "queued"
        self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()

    @api.model
    def _queue_email(self, links, urls, template, token_by_link, event_type, events, summaries):
        """Queue the emails of ``links`` (see :meth:`_queue_messages`); add their masked
        events and chatter summaries to ``events`` and ``summaries``."""
        template = utils.as_record(self.env, template).sudo()
        mails = self._with_urls(template, urls)._payment_link_queue_emails(
            self._with_urls(links, urls)
        )
        mail_by_link = {mail.res_id: mail for mail in mails}
        for link in links:
            mail = mail_by_link[link.id]
            if mail.payment_link_id != link:
                mail.payment_link_id = link
            # The email's own text (the message keeps the bare body, see
            # mail.template._payment_link_queue_emails): not the layout's hidden preview and its
            # filler, nor its header and footer.
            text = html2plaintext(mail.body or mail.body_html or "")
            masked = utils.mask_token(f"{mail.subject}\n\n{text}", token_by_link[link.id])
            events.append(self._sent_event_values(link, event_type, "email", link.email, masked))
            summaries.setdefault(link, []).append(("email", link.email, masked))
        links.filtered(lambda link: link.email_state != "queued").sudo().email_state = "queued"
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()

    @api.model
    def _sent_event_values(self, link, event_type, channel, recipient, masked_text):
        return {
            "link_id": link.id,
            "event_type": event_type,
            "channel": channel,
            "recipient": recipient,
            "message": masked_text,
        }

    @api.model
    def _render_sms_bodies(self, links, urls=None, template=None):
        """Render an SMS template for each of ``links``, in its language, kept in GSM-7 when
        possible.

        :param dict urls: {link id: full URL} shown by the template (else the masked link).
        :param template: The ``sms.template`` or its xmlid (default: the links' request SMS).
        :return: {link_id: text}
        """
        template = utils.as_record(
            self.env, template or self._message_templates(links, "request")["sms"]
        ).sudo()
        template = self._with_urls(template, urls)
        # `_ids`, not `ids`, below: the composer previews an unsaved link (a NewId).
        if (template.lang or "").replace(" ", "") == "{{object.lang}}" and not (
            self.env.context.get("template_preview_lang")
        ):
            # The template speaks the link's language: group the links by it rather than
            # render the language expression once per link (what compute_lang does).
            rendered = {}
            for lang, group in links.grouped("lang").items():
                rendered.update(template._render_field("body", list(group._ids), set_lang=lang))
        else:
            rendered = template._render_field("body", list(links._ids), compute_lang=True)
        return {link_id: utils.gsm7_sanitize(body).strip() for link_id, body in rendered.items()}

    # === RESENDS, REPLACEMENTS AND REMINDERS === #

    @api.model
    def _resend(self, link):
        """Send a new link replacing ``link``, on its channel and to its recipients.

        :return: ``(new link, {link id: full URL})``
        """
        link.ensure_one()
        link = link.with_env(self.env)  # checked as the service's caller
        link._ensure_manage_rights()
        document = link._get_document()
        if not document:
            raise UserError(
                self.env._(
                    "Link %s has no document to pay any more: it cannot be resent.", link.name
                )
            )
        if link.state == "paid":
            raise UserError(self.env._("Link %s was paid: there is nothing to resend.", link.name))
        if link.replaced_by_id:
            # Only the document's latest link is resent: resending an older one again and
            # again would send the customer one more message each time.
            raise UserError(
                self.env._(
                    "Link %(link)s was replaced by %(new)s: only the latest link of %(document)s "
                    "can be resent.",
                    link=link.name,
                    new=link.replaced_by_id.name,
                    document=link.document_name,
                )
            )
        was_live = link.state in const.LIVE_STATES
        result = self._send(
            document,
            link.channel,
            phone=link.phone,
            email=link.email,
            replace=True,
            resent_from=link,
        )
        new_link = result["links"]
        if not new_link:
            raise UserError("\n".join(result["refused"].values()))
        if not was_live:
            # Expired or cancelled: the send replaced nothing live, but this link was resent.
            link.sudo().replaced_by_id = new_link
            link._log_events("resent", reason=self.env._("Resent as a new link"))
        return new_link, result["urls"]

    @api.model
    def _chain_earlier_requests(self, new_links):
        """Mark the earlier unpaid links of the documents of ``new_links`` that are over
        (expired, cancelled) as replaced by the new one: a document's chain of requests counts
        once in the analysis, and their page tells the customer to use the latest message. Live
        links are replaced (and cancelled) by the send itself (:meth:`_replace_links`)."""
        if not new_links:
            return
        new_by_doc = {(link.res_model, link.res_id): link for link in new_links}
        earlier = (
            self.env["payment.link"]
            .sudo()
            .search(
                [
                    ("res_id", "in", list({link.res_id for link in new_links})),
                    ("id", "not in", new_links.ids),
                    ("replaced_by_id", "=", False),
                    ("state", "in", ("expired", "cancelled")),
                ]
            )
        )
        for old in earlier:
            new = new_by_doc.get((old.res_model, old.res_id))
            if new:
                old.replaced_by_id = new

    @api.model
    def _replace_links(self, old_links, new_links, resent_from=None):
        """Cancel the links of ``old_links`` whose document got one of ``new_links``.

        :param resent_from: The link the new one resends (it logs a 'resent' event).
        :return: The links replaced.
        """
        new_by_doc = {(link.res_model, link.res_id): link for link in new_links}
        replaced = old_links.filtered(lambda link: (link.res_model, link.res_id) in new_by_doc)
        if not replaced:
            return replaced
        for old in replaced:
            old.sudo().replaced_by_id = new_by_doc[(old.res_model, old.res_id)]
        replaced._set_state(
            "cancelled", reason=self.env._("Replaced by a new link"), log_document=False
        )
        if resent_from:
            (replaced & resent_from)._log_events(
                "resent", reason=self.env._("Resent as a new link")
            )
        return replaced

    @api.model
    def _send_reminders(self):
        """Send one reminder per link, on its channel, N days before it expires unpaid
        (N per company; 0 sends none). Paid, cancelled and expired links never get one."""
        now = fields.Datetime.now()
        companies = self.env["res.company"].sudo().search([("payment_link_reminder_days", ">", 0)])
        for company in companies:
            due = (
                self.env["payment.link"]
                .sudo()
                .search(
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
            )
            due = due.filtered(lambda link: link._refresh_page_state() == "payable")
            due -= self._over_message_limit(due)
            urls = utils.UrlMap()
            for channel, links in due.grouped("channel").items():
                urls.update(self.env["payment.link.token"]._issue(links, channel))
            if due:
                self._queue_messages(due, urls, kind="reminder")

    @api.model
    def _over_message_limit(self, links):
        """The ``links`` whose reminder would exceed their recipients' hourly limit of
        messages (see :meth:`_message_limit_errors`): left for the next run, said in the log."""
        plans = [
            {
                "link": link,
                "partner": link.partner_id,
                "phone": link.channel in ("sms", "both") and link.phone,
                "email": link.channel in ("email", "both") and link.email,
                "error": False,
            }
            for link in links
        ]
        self._message_limit_errors(plans)
        refused = self.env["payment.link"].browse()
        for plan in plans:
            if plan["error"]:
                _logger.info("reminder of %s not sent now: %s", plan["link"].name, plan["error"])
                refused |= plan["link"]
        return refused
