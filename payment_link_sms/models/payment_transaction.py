# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import logging
import re
from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, html2plaintext

from .. import const, utils

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    payment_link_id = fields.Many2one(
        comodel_name="payment.link",
        string="Payment Link",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    payment_link_outcome = fields.Selection(
        selection=const.PAYMENT_OUTCOMES,
        string="Payment Link Outcome",
        readonly=True,
        copy=False,
        help="What this completed payment did to its payment link. A payment on a link already "
        "paid, or after it was closed, is recorded as the customer's credit, not applied to the "
        "document.",
    )

    payment_link_receipt_date = fields.Datetime(
        string="Receipt Sent",
        readonly=True,
        copy=False,
        help="When the customer was told of this payment through a link (its receipt, or the "
        "notice of a card charged): once per payment.",
    )

    def _handle_notification_data(self, provider_code, notification_data):
        # The provider (its notification) waits for the answer: the notifications of what the
        # payment did to a link (the document's message, the users' pop-ups and emails) are
        # queued, and posted right after the commit (payment.link.notification).
        return super(
            PaymentTransaction, self.with_context(payment_link_defer_notify=True)
        )._handle_notification_data(provider_code, notification_data)

    def _set_pending(self, state_message=None, **kwargs):
        txs = super()._set_pending(state_message=state_message, **kwargs)
        txs._payment_link_log("payment_pending")
        return txs

    def _set_done(self, state_message=None, extra_allowed_states=()):
        # Judged before the state changes: what the link and its document were while paying.
        allowed = ("draft", "pending", "authorized", "error", *extra_allowed_states)
        candidates = self.filtered(
            lambda tx: (
                tx.payment_link_id
                and tx.operation not in ("refund", "validation")
                and tx.state in allowed
            )
        )
        outcomes = {tx: tx._payment_link_classify() for tx in candidates}
        extra = candidates.filtered(lambda tx: outcomes[tx] != "pays")
        extra._payment_link_detach()
        txs = super()._set_done(
            state_message=state_message, extra_allowed_states=extra_allowed_states
        )
        for tx in candidates & txs:
            if outcomes[tx] == "pays":
                tx._payment_link_record_payment()
            else:
                tx._payment_link_record_extra(outcomes[tx])
        txs._payment_link_log_refund_result("refunded")
        return txs

    def _payment_link_classify(self):
        """Tell what a payment through this link that the provider just confirmed is.

        Called before the transaction is marked done, so that the document is judged as it was
        while the customer paid.

        :return: 'pays' (it pays the link, in full or in part), 'paid_twice' (the link was
                 already paid, by another attempt or elsewhere) or 'paid_after_close' (the link
                 was expired, cancelled, replaced, or its document changed meanwhile).
        """
        self.ensure_one()
        link = self.payment_link_id
        if link.state == "paid":
            return "paid_twice"
        if link.state not in const.LIVE_STATES or link.expiration_date <= fields.Datetime.now():
            return "paid_after_close"
        document = link._get_document()
        if document and (
            document._payment_link_is_paid() or document._payment_link_paid_meanwhile(self)
        ):
            return "paid_twice"
        if not document or not document._paylink_is_payable():
            return "paid_after_close"
        return "pays"

    def _payment_link_record_payment(self):
        """Record a payment through the link: it pays the link, or part of it.

        The link is paid once what was paid through it reaches what it asked, or nothing is due
        on the document any more; otherwise it stays live for the rest, and the payment is
        recorded as a partial one.
        """
        self.ensure_one()
        link, transaction = self.payment_link_id, self
        currency = link.currency_id
        paid = link.amount_paid + transaction.amount
        # Re-read after the payment (what it changed); the same document: no second query to
        # check that it exists. Its links are not changed by the payment: invalidating them
        # would drop every link's document id from the cache too (the inverse field).
        document = link._get_document()
        document.invalidate_recordset(
            [name for name in document._fields if name != "payment_link_ids"]
        )
        remaining = document._payment_link_amount_due() if document else 0.0
        if (
            currency.compare_amounts(paid, link.amount) >= 0
            or currency.compare_amounts(remaining, 0) <= 0
        ):
            transaction.sudo().payment_link_outcome = "paid"
            return link._mark_paid(transaction=transaction)
        transaction.sudo().payment_link_outcome = "partly_paid"
        link.sudo().amount_paid = paid
        internal = link._with_company_lang()
        reason = internal.env._(
            "%(paid)s paid, %(remaining)s remaining",
            paid=currency.format(transaction.amount),
            remaining=currency.format(remaining),
        )
        link._log_events("partly_paid", transaction_id=transaction.id, reason=reason)
        Event = self.env["payment.link.event"]
        Event._log_state_on_documents(link, "partly_paid", reason)
        Event._notify_stage(link, "partly_paid", reason=reason, amount=transaction.amount)
        return link

    def _payment_link_record_extra(self, outcome):
        """Record a payment the link did not ask for any more: never dropped, never applied.

        The money is real: the transaction stays done and Odoo records it as a payment of the
        customer, detached from the document (see ``payment.transaction._payment_link_detach``):
        no draft invoice is posted, no expired or changed quotation confirmed because of it. A
        payment on a link already paid (``paid_twice``) is refunded where the provider can,
        once the payment is recorded (``payment.transaction._post_process``); otherwise, and for
        a payment after the link was closed, the salesperson and the sender get an activity.

        :param str outcome: 'paid_twice' or 'paid_after_close' (see ``_payment_link_classify``).
        """
        self.ensure_one()
        link, transaction = self.payment_link_id, self
        internal = link._with_company_lang()
        transaction.sudo().payment_link_outcome = outcome
        amount = link.currency_id.format(transaction.amount)
        if outcome == "paid_after_close":
            link.sudo().paid_after_close = True
            reason = internal.env._(
                "%(amount)s paid by %(reference)s after the link was closed: recorded as the "
                "customer's credit, not applied to %(document)s.",
                amount=amount,
                reference=transaction.reference,
                document=link.document_name,
            )
        else:
            reason = internal.env._(
                "%(amount)s paid by %(reference)s although the link was already paid.",
                amount=amount,
                reference=transaction.reference,
            )
        link._log_events(outcome, transaction_id=transaction.id, reason=reason)
        if outcome == "paid_after_close" or not transaction._payment_link_can_refund():
            transaction._payment_link_schedule_activity(reason)

    def _payment_link_schedule_activity(self, reason):
        """Ask the salesperson (else the sender) to handle a payment by hand."""
        self.ensure_one()
        link, transaction = self.payment_link_id._with_company_lang(), self
        document = link._get_document()
        users = (link.salesperson_id | link.sender_id).filtered(
            lambda user: user.active and not user.share
        )
        record = document or transaction.payment_id or link
        summary = link.env._("Payment to check: %s", link.name)
        note = Markup("<p>%s</p><p>%s</p>") % (
            reason,
            link.env._(
                "Refund it from the transaction %(reference)s, or apply the payment to what the "
                "customer owes.",
                reference=transaction.reference,
            ),
        )
        record.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=note,
            user_id=users[:1].id or link.env.ref("base.user_admin").id,
        )

    def _payment_link_detach(self):
        """Keep a payment that the link did not ask for any more off its document: Odoo then
        records it as a payment of the customer (their credit), without posting a draft
        invoice, reconciling it, or confirming a quotation because of it."""
        values = {
            fname: [fields.Command.clear()]
            for fname in ("invoice_ids", "sale_order_ids")
            if fname in self._fields
        }
        if self and values:
            self.sudo().write(values)

    def _post_process(self):
        super()._post_process()
        self._payment_link_send_receipts()
        # A payment on a link already paid is refunded once Odoo recorded it.
        for tx in self.filtered(
            lambda tx: tx.state == "done" and tx.payment_link_outcome == "paid_twice"
        ):
            if tx.child_transaction_ids.filtered(lambda child: child.operation == "refund"):
                continue
            if tx._payment_link_can_refund():
                tx._payment_link_refund()

    # === The customer's receipt === #

    def _payment_link_send_receipts(self):
        """Tell the customer of each payment among ``self`` that paid its link (in full or in
        part): a receipt, or the notice of their card charged, on the link's channel, in their
        language, as their company's settings say; once per payment, even when Odoo
        post-processes a payment twice (the poll of two browser tabs, the cron)."""
        todo = {}
        for tx in self.filtered(
            lambda tx: (
                tx.payment_link_id
                and tx.state == "done"
                and tx.payment_link_outcome in ("paid", "partly_paid")
                and not tx.payment_link_receipt_date
            )
        ):
            link = tx.payment_link_id
            kind = link._payment_link_receipt_kind(tx)
            company = link.company_id
            if (kind == "receipt" and company.payment_link_send_receipt) or (
                kind == "charge_notice" and company.payment_link_charge_notice
            ):
                todo[tx] = kind
        claimed = self.browse([tx.id for tx in todo])._payment_link_claim_receipts()
        for tx in claimed:
            tx._payment_link_send_receipt(todo[tx])

    def _payment_link_claim_receipts(self):
        """Mark the receipts of ``self`` sent, and return the payments this transaction marked.

        One UPDATE on the rows: a second post-processing of a payment, in another worker at
        the same time, waits for this one and then fails on the row (a serialization failure:
        its whole post-processing is rolled back, as Odoo's cron and poll expect), or, after
        it, finds the receipt sent. What the receipt queues is rolled back with the mark.
        """
        if not self:
            return self
        self.flush_recordset(["payment_link_receipt_date"])
        self.env.cr.execute(
            SQL(
                "UPDATE payment_transaction SET payment_link_receipt_date = %s "
                "WHERE id IN %s AND payment_link_receipt_date IS NULL RETURNING id",
                fields.Datetime.now(),
                tuple(self.ids),
            ),
            log_exceptions=False,
        )
        claimed = self.browse([row[0] for row in self.env.cr.fetchall()])
        self.invalidate_recordset(["payment_link_receipt_date"])
        return claimed

    def _payment_link_send_receipt(self, kind):
        """Queue the message ``kind`` ('receipt' or 'charge_notice', see
        ``payment.link._payment_link_receipt_kind``) of this payment on its link's channel,
        and audit it (a 'receipt_sent' event, the receipt page's token masked)."""
        self.ensure_one()
        link = self.payment_link_id
        document = link._get_document() or self.env["payment.link.mixin"]
        templates = document._payment_link_message_templates(kind)
        tx = self.with_context(lang=link.lang or link.partner_id.lang)
        channels = ("sms", "email") if link.channel == "both" else (link.channel,)
        texts = []
        if "sms" in channels and link.phone:
            body = tx._payment_link_receipt_sms(templates["sms"])
            self.env["sms.sms"].sudo().create(
                {
                    "number": link.phone,
                    "body": body,
                    "partner_id": link.partner_id.id,
                    "state": "outgoing",
                }
            )
            self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
            texts.append(("sms", link.phone, body))
        if "email" in channels and link.email:
            mail = tx._payment_link_receipt_email(templates["email"], document, kind)
            text = html2plaintext(mail.body_html or "")
            texts.append(("email", link.email, f"{mail.subject}\n\n{text}"))
        events = [
            {
                "link_id": link.id,
                "company_id": link.company_id.id,
                "event_type": "receipt_sent",
                "transaction_id": self.id,
                "channel": channel,
                "recipient": recipient,
                "message": utils.mask_link_urls(text),
            }
            for channel, recipient, text in texts
        ]
        self.env["payment.link.event"].sudo().create(events)

    def _payment_link_receipt_sms(self, template_xmlid):
        """The receipt's SMS text, in the context's language, kept in GSM-7 when possible."""
        template = utils.as_record(self.env, template_xmlid).sudo()
        lang = self.env.context.get("lang")
        body = template._render_field("body", self.ids, set_lang=lang)[self.id]
        return utils.gsm7_sanitize(body).strip()

    def _payment_link_receipt_email(self, template_xmlid, document, kind):
        """Queue the receipt's email, with the document's PDF when the server can make it."""
        template = utils.as_record(self.env, template_xmlid).sudo()
        email_values = {}
        if kind == "receipt" and document and document._payment_link_report_ref():
            pdf = document._paylink_receipt_pdf_if_possible()
            if pdf:
                filename, content = pdf
                email_values["attachments"] = [(filename, base64.b64encode(content))]
        return template.send_mail_batch(self.ids, email_values=email_values)

    def _payment_link_receipt_url(self):
        """The address of the receipt page of this payment's link, for the receipt's templates
        (rendered when the receipt is queued): its token is signed then, for that page only."""
        self.ensure_one()
        link = self.payment_link_id
        if not link:
            return ""
        token = link._payment_link_receipt_token()
        path = f"{const.ROUTE_PREFIX}done/{link.id}/receipt"
        return f"{link.get_base_url()}{path}?access_token={token}"

    def _payment_link_card_label(self):
        """The card charged, named by its brand and last 4 digits only ("Visa •••• 4242", as the
        card addon names saved cards), whatever the provider stores as the token's details."""
        self.ensure_one()
        digits = re.sub(r"\D", "", self.token_id.payment_details or "")[-4:]
        brand = (self.token_id.payment_method_id or self.payment_method_id).name or ""
        if not digits:
            return brand
        return self.env._("%(brand)s •••• %(digits)s", brand=brand, digits=digits)

    def _payment_link_can_refund(self):
        """Whether the provider of this payment refunds it from Odoo."""
        self.ensure_one()
        return self.provider_id.support_refund in ("full_only", "partial")

    def _payment_link_refund(self):
        """Refund a payment too many, or ask a person to when the provider refuses."""
        self.ensure_one()
        link = self.payment_link_id._with_company_lang()
        try:
            with self.env.cr.savepoint():
                refund = self.sudo()._send_refund_request()
        except (UserError, ValidationError) as error:
            _logger.warning("refund of transaction %s failed: %s", self.reference, error)
            self._payment_link_schedule_activity(
                link.env._(
                    "%(reference)s paid the link a second time and could not be refunded "
                    "automatically: %(error)s",
                    reference=self.reference,
                    error=str(error),
                ),
            )
            return
        link._log_events(
            "refunded",
            transaction_id=refund.id,
            reason=link.env._(
                "Refund %(refund)s of %(reference)s, which paid the link a second time",
                refund=refund.reference,
                reference=self.reference,
            ),
        )

    def _payment_link_payments(self):
        """The payments among ``self`` that their link counts (paid or partly paid it): done,
        not refunds, neither detached (after close) nor refunded already (paid twice)."""
        return self.filtered(
            lambda tx: (
                tx.operation != "refund"
                and tx.state == "done"
                and tx.payment_link_outcome in ("paid", "partly_paid")
            )
        )

    def _payment_link_refundable(self):
        """What can still be refunded of this payment: its amount less its refunds requested,
        pending or done (a refund transaction's amount is negative)."""
        self.ensure_one()
        refunds = self.child_transaction_ids.filtered(
            lambda child: child.operation == "refund" and child.state not in ("cancel", "error")
        )
        return max(self.currency_id.round(self.amount + sum(refunds.mapped("amount"))), 0.0)

    def _payment_link_refund_source(self, link, amount):
        """Choose the payment among ``self`` (the payments of ``link``) to refund ``amount``
        from (default: all that is left), as the provider allows.

        :return: ``(payment, amount)``
        :raise UserError: The amount is not positive, above what was paid less what was
                          refunded, or the provider does not refund (that part).
        """
        currency = link.currency_id
        if not self:
            raise UserError(
                link.env._(
                    "Link %s was not paid through the link (paid elsewhere): refund the "
                    "customer where they paid.",
                    link.name,
                )
            )
        left = {tx: tx._payment_link_refundable() for tx in self}
        total, paid = sum(left.values()), sum(self.mapped("amount"))
        if currency.compare_amounts(total, 0) <= 0:
            raise UserError(
                link.env._(
                    "Nothing is left to refund on link %(link)s: %(paid)s paid, %(refunded)s "
                    "already refunded.",
                    link=link.name,
                    paid=currency.format(paid),
                    refunded=currency.format(paid - total),
                )
            )
        asked = total if amount is None else utils.parse_amount(amount)
        if asked is None or currency.compare_amounts(asked, 0) <= 0:
            raise UserError(link.env._("The amount to refund must be a positive amount."))
        if currency.compare_amounts(asked, total) > 0:
            raise UserError(
                link.env._(
                    "At most %(left)s can be refunded on link %(link)s: %(paid)s paid, "
                    "%(refunded)s already refunded.",
                    left=currency.format(total),
                    link=link.name,
                    paid=currency.format(paid),
                    refunded=currency.format(paid - total),
                )
            )
        asked = currency.round(asked)
        payment = next(
            (
                tx
                for tx in self.sorted("id", reverse=True)
                if currency.compare_amounts(left[tx], asked) >= 0
            ),
            None,
        )
        if payment is None:
            raise UserError(
                link.env._(
                    "Link %(link)s was paid in several payments: refund at most %(most)s at once "
                    "(one payment at a time).",
                    link=link.name,
                    most=currency.format(max(left.values())),
                )
            )
        provider = payment.provider_id
        if provider.support_refund not in ("full_only", "partial"):
            raise UserError(
                link.env._(
                    "%s does not refund payments from Odoo: refund the customer from the "
                    "provider's own dashboard.",
                    provider.name,
                )
            )
        if provider.support_refund == "full_only" and currency.compare_amounts(
            asked, payment.amount
        ):
            raise UserError(
                link.env._(
                    "%(provider)s refunds only the whole payment (%(amount)s), not a part of it.",
                    provider=provider.name,
                    amount=currency.format(payment.amount),
                )
            )
        return payment, asked

    def _payment_link_log_refund(self, refund, reason=None):
        """Audit the refund ``refund`` of this payment on its link (the ``refunded`` event, which
        integrations receive) and in the document's chatter; return ``refund``."""
        self.ensure_one()
        link = self.payment_link_id._with_company_lang()
        text = link.env._(
            "Refund %(refund)s of %(amount)s (payment %(reference)s)",
            refund=refund.reference,
            amount=refund.currency_id.format(-refund.amount),
            reference=self.reference,
        )
        if reason:
            text = f"{text}: {reason}"
        link._log_events("refunded", transaction_id=refund.id, reason=text)
        self.env["payment.link.event"]._log_state_on_documents(link, "refunded", text)
        return refund

    def _payment_link_blocks(self):
        """Whether this attempt blocks a new payment on its link: it is done (and paid more
        than a part), authorized, or pending for less than ``const.PENDING_BLOCK_DAYS`` (a
        wire transfer left pending for days does not block the link for ever)."""
        self.ensure_one()
        if self.operation == "refund" or self.state not in const.BUSY_TX_STATES:
            return False
        if self.state == "done":
            # A part paid leaves the link usable for the rest.
            return self.payment_link_outcome in (False, "paid")
        if self.state != "pending":
            return True
        limit = fields.Datetime.now() - timedelta(days=const.PENDING_BLOCK_DAYS)
        return not self.last_state_change or self.last_state_change > limit

    def _set_canceled(self, state_message=None, **kwargs):
        txs = super()._set_canceled(state_message=state_message, **kwargs)
        txs._payment_link_failed()
        txs._payment_link_log_refund_result("refund_failed")
        return txs

    def _set_error(self, state_message, **kwargs):
        txs = super()._set_error(state_message, **kwargs)
        txs._payment_link_failed()
        txs._payment_link_log_refund_result("refund_failed")
        return txs

    def _log_received_message(self):
        # A link's payment done, failed or cancelled: the link posts the stage's one message
        # on the document (see payment.link._notify); pending keeps Odoo's.
        own = self.filtered(
            lambda tx: tx.payment_link_id and tx.state in ("done", "error", "cancel")
        )
        return super(PaymentTransaction, self - own)._log_received_message()

    def _log_message_on_linked_documents(self, message):
        # By the system (OdooBot), not by the customer or the public user of the pay page.
        tx = self.with_user(SUPERUSER_ID) if self.payment_link_id else self
        return super(PaymentTransaction, tx)._log_message_on_linked_documents(message)

    def _payment_link_log(self, event_type, reason=False):
        for tx in self.filtered("payment_link_id"):
            tx.payment_link_id._log_events(
                event_type, transaction_id=tx.id, reason=reason or tx.state_message or False
            )

    def _payment_link_failed(self):
        """A failed or cancelled payment leaves the link usable; the reason is recorded."""
        for tx in self.filtered(
            lambda t: (
                t.payment_link_id
                and t.operation not in ("refund", "validation")
                and not t._payment_link_records_own_failure()
            )
        ):
            reason = (
                tx.state_message
                or dict(tx._fields["state"]._description_selection(tx.env))[tx.state]
            )
            tx.payment_link_id._log_events(
                "payment_failed",
                transaction_id=tx.id,
                reason=reason,
                failure_kind=tx._payment_link_failure_kind(),
            )
            # An attempt cancelled on a link that is over (it was cancelled because the link
            # closed, see _payment_link_cancel_open_attempts) is recorded, not notified:
            # nobody has anything to do about it.
            if tx.state != "cancel" or tx.payment_link_id.state in const.LIVE_STATES:
                self.env["payment.link.event"]._notify_stage(
                    tx.payment_link_id, "payment_failed", reason=reason
                )

    def _payment_link_records_own_failure(self):
        """Whether the code that started this transaction records its failure itself (a
        charge of a card on file waiting for its provider's answer): then the link's failure
        event and notification are left to it. Default: False."""
        self.ensure_one()
        return False

    def _payment_link_failure_kind(self):
        """Why the payment failed, in plain words: a key of ``const.FAILURE_KINDS``, from the
        transaction's message (a provider bridge reads its provider's codes first).

        :rtype: str
        """
        self.ensure_one()
        return utils.failure_kind(self.state_message, cancelled=self.state == "cancel")

    def _payment_link_replaceable(self):
        """Return the attempts of ``self`` that a new payment on the same link cancels.

        An attempt is cancelled in Odoo only when it is cancelled at its provider, so that a
        customer who completes it anyway is never charged without Odoo recording it. By
        default none is: a provider bridge returns the attempts its provider can cancel
        (Stripe: the PaymentIntents of attempts never confirmed, or declined and still open
        for another card). The others stay open: the first one completed pays the link, a
        later one is refunded or flagged (``_payment_link_record_extra``).
        """
        return self.browse()

    def _payment_link_cancel_open_attempts(self):
        """Cancel, where their provider can, the open attempts of links that were expired or
        cancelled; an attempt that cannot be cancelled stays open (its payment is then recorded
        as "paid after it was closed")."""
        for tx in self._payment_link_replaceable():
            try:
                with self.env.cr.savepoint():
                    tx._payment_link_abort(reason=self.env._("The payment link was closed"))
            except ValidationError as error:
                _logger.info("open attempt %s left open: %s", tx.reference, error)

    def _payment_link_abort(self, reason=None):
        """Cancel payment attempts replaced by a newer one on the same link (or whose link was
        closed: ``reason`` says so).

        Providers that create a payment at their end before the customer confirms (Stripe's
        PaymentIntent) override this to cancel it there too, so that the abandoned attempt can
        never be charged.
        """
        self._set_canceled(
            state_message=reason or self.env._("Replaced by a newer payment attempt"),
            extra_allowed_states=("error",),
        )

    def _payment_link_log_refund_result(self, event_type):
        """Record the result of the refunds of link payments in ``self`` (``refunded`` or
        ``refund_failed``), once per refund, so that the agent sees it live like a payment.

        Recorded when the transaction commits, unless the refund's flow recorded it meanwhile
        (a refund asked from the link, or of a payment made twice, logs its own ``refunded``
        event with its reason): whoever changed its state, there is one result per refund.
        """
        refunds = self.filtered(
            lambda t: t.operation == "refund" and t.source_transaction_id.payment_link_id
        )
        if not refunds:
            return
        env, ids = self.env, refunds.ids

        @self.env.cr.precommit.add
        def log_result():
            Event = env["payment.link.event"].sudo()
            for tx in env["payment.transaction"].sudo().browse(ids):
                if Event.search_count(
                    [("transaction_id", "=", tx.id), ("event_type", "=", event_type)], limit=1
                ):
                    continue
                link = tx.source_transaction_id.payment_link_id._with_company_lang()
                amount = tx.currency_id.format(abs(tx.amount))
                if event_type == "refunded":
                    reason = link.env._(
                        "Refund %(refund)s of %(amount)s", refund=tx.reference, amount=amount
                    )
                else:
                    reason = tx.state_message or link.env._(
                        "Refund %(refund)s of %(amount)s did not go through",
                        refund=tx.reference,
                        amount=amount,
                    )
                link._log_events(event_type, transaction_id=tx.id, reason=reason)
            env.flush_all()  # after the transaction's own flush: written before the commit
