# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import unicodedata

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.payment_link_sms import const as engine_const
from odoo.addons.payment_link_sms import utils

from .. import const


def explanation_length(text):
    """The length of an explanation as a person counts it: in characters, an accented letter
    counting once whether it was typed composed (é) or decomposed (e + ´)."""
    return len(unicodedata.normalize("NFC", text or ""))


class PaymentRequest(models.Model):
    """A desk payment request: a sum asked from a client on a call, at a desk or in a chat,
    without any invoice, sent as a payment link and followed from sent to paid (see
    ``readme/DEVELOP.md``: a document type of ``payment.link.mixin``)."""

    _name = "payment.request"
    _inherit = ["mail.thread", "payment.link.mixin"]
    _description = "Payment Request"
    _order = "id desc"
    _rec_name = "reference"
    _check_company_auto = True

    # Not required in the form: left empty, the request is numbered when saved (REQ/2026/00042,
    # see create); _check_reference refuses an empty one afterwards.
    reference = fields.Char(
        copy=False,
        tracking=True,
        help="Shown to the client on the message, the payment page and the receipt: any text "
        "(unique in the company). Left empty, the request is numbered when saved "
        "(REQ/2026/00042).",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Client", required=True, index=True, tracking=True
    )
    amount = fields.Monetary(required=True, tracking=True)
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    explanation = fields.Text(
        help="Shown to the client on the payment page (at most 500 characters).",
    )
    explanation_length = fields.Integer(compute="_compute_explanation_length")
    queue_id = fields.Many2one(
        comodel_name="payment.link.queue",
        string="Queue",
        index=True,
        check_company=True,
        tracking=True,
        default=lambda self: self._default_queue(),
        domain="[('company_id', '=', company_id), ('supports_receive', '=', True)]",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Agent",
        index=True,
        default=lambda self: self.env.user,
        readonly=True,
    )
    state = fields.Selection(
        selection=const.REQUEST_STATES,
        default="draft",
        compute="_compute_state",
        store=True,
        index=True,
        # Not tracked: the link's events are logged in the chatter by OdooBot already (a
        # tracked change made by the customer's page would be signed by the public user).
    )
    send_sms = fields.Boolean(
        string="Send by SMS", compute="_compute_channels", store=True, readonly=False
    )
    send_email = fields.Boolean(
        string="Send by Email", compute="_compute_channels", store=True, readonly=False
    )
    queue_allow_sms = fields.Boolean(related="queue_id.allow_sms", string="Queue Sends SMS")
    queue_allow_email = fields.Boolean(related="queue_id.allow_email", string="Queue Sends Emails")
    phone = fields.Char(
        string="SMS Number",
        compute="_compute_recipient",
        store=True,
        readonly=False,
        help="The number the SMS goes to (by default the client's mobile).",
    )
    email = fields.Char(
        string="Email Address",
        compute="_compute_recipient",
        store=True,
        readonly=False,
        help="The address the email goes to (by default the client's).",
    )
    send_blocked_reason = fields.Char(
        string="Cannot Generate Yet", compute="_compute_send_blocked_reason"
    )
    sms_preview = fields.Text(string="SMS Preview", compute="_compute_sms_preview")
    sms_segments = fields.Integer(string="SMS Segments", compute="_compute_sms_preview")
    sms_info = fields.Char(string="SMS Length", compute="_compute_sms_preview")
    sms_cost = fields.Monetary(
        string="SMS Cost",
        compute="_compute_sms_preview",
        currency_field="company_currency_id",
        help="Segments times the price per SMS segment set by the administrator.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    link_hint = fields.Char(
        string="Link",
        compute="_compute_link_hint",
        help="The latest link, its last characters only: the full link is in the message.",
    )
    amount_paid = fields.Monetary(compute="_compute_amounts")
    amount_refunded = fields.Monetary(compute="_compute_amounts")
    sent_date = fields.Datetime(string="Sent On", compute="_compute_timing", store=True, index=True)
    hours_to_paid = fields.Float(
        string="Hours from Sent to Paid",
        compute="_compute_timing",
        store=True,
        aggregator="avg",
        help="Hours from the first link sent to the payment (paid requests only).",
    )

    _sql_constraints = [
        (
            "reference_company_unique",
            "UNIQUE(company_id, reference)",
            "This reference is already used in the company: each request needs its own.",
        ),
    ]

    # === DEFAULTS === #

    @api.model
    def _default_reference(self, company=None):
        """The next number of the requests' sequence (REQ/2026/00042), drawn when a request
        without reference is created (not when a form opens: no number is lost)."""
        company = company or self.env.company
        return self.env["ir.sequence"].with_company(company).next_by_code("payment.request")

    @api.model
    def _default_queue(self):
        """An agent in one queue that takes payments gets it preselected."""
        queues = self.env["payment.link.queue"]._queues_of_user("receive")
        return queues.id if len(queues) == 1 else False

    # === COMPUTE METHODS === #

    @api.depends("explanation")
    def _compute_explanation_length(self):
        for request in self:
            request.explanation_length = explanation_length(request.explanation)

    @api.depends(
        "payment_link_state",
        "payment_link_ids.transaction_ids.state",
        "payment_link_ids.transaction_ids.child_transaction_ids.state",
        "payment_link_ids.amount_paid",
    )
    def _compute_state(self):
        for request in self:
            latest = request.sudo().payment_link_ids.sorted("id", reverse=True)[:1]
            request.state = request._state_of_link(latest)

    def _state_of_link(self, link):
        """The request's state from its latest link's lifecycle and payment attempts."""
        if not link:
            return "draft"
        if link.state == "paid":
            return "refunded" if self._is_refunded(link) else "paid"
        if link.state in ("expired", "cancelled"):
            return link.state
        attempts = link.transaction_ids.filtered(lambda tx: tx.operation != "refund")
        last = attempts.sorted("id")[-1:]
        if last.state in ("error", "cancel"):
            return "failed"
        if link.state == "opened" or last:
            return "in_progress"
        return "active"

    @api.model
    def _refunds_of(self, links):
        payments = links.transaction_ids.filtered(
            lambda tx: tx.operation != "refund" and tx.state == "done"
        )
        return (payments.child_transaction_ids | links.transaction_ids).filtered(
            lambda tx: tx.operation == "refund" and tx.state == "done"
        )

    def _is_refunded(self, link):
        refunded = -sum(self._refunds_of(link).mapped("amount"))
        return link.currency_id.compare_amounts(refunded, link.amount_paid) >= 0 and bool(refunded)

    @api.depends("payment_link_ids.amount_paid", "state")
    def _compute_amounts(self):
        for request in self:
            links = request.sudo().payment_link_ids
            request.amount_paid = sum(links.mapped("amount_paid"))
            request.amount_refunded = -sum(self._refunds_of(links).mapped("amount"))

    @api.depends("payment_link_ids.sent_date", "payment_link_ids.paid_date")
    def _compute_timing(self):
        for request in self:
            links = request.sudo().payment_link_ids
            request.sent_date = min(filter(None, links.mapped("sent_date")), default=False)
            paid_links = links.filtered(lambda link: link.state == "paid")
            paid = max(filter(None, paid_links.mapped("paid_date")), default=False)
            request.hours_to_paid = (
                (paid - request.sent_date).total_seconds() / 3600
                if paid and request.sent_date
                else 0.0
            )

    @api.depends("queue_id")
    def _compute_channels(self):
        for request in self:
            queue = request.queue_id
            channel = queue._default_channel() if queue else False
            request.send_sms = channel in ("sms", "both")
            request.send_email = channel in ("email", "both")

    @api.depends("partner_id")
    def _compute_recipient(self):
        for request in self:
            partner = request.partner_id
            request.phone = partner.mobile or partner.phone or False
            request.email = partner.email or False

    @api.depends(
        "partner_id",
        "amount",
        "currency_id",
        "reference",
        "explanation",
        "queue_id",
        "send_sms",
        "send_email",
        "phone",
        "email",
        "state",
    )
    def _compute_send_blocked_reason(self):
        for request in self:
            request.send_blocked_reason = request._send_blocked_reason()

    def _send_blocked_reason(self):
        """Why "Generate payment link" cannot run yet (what is missing), or False."""
        self.ensure_one()
        if self.state != "draft":
            return False
        if not self.partner_id:
            return self.env._("Choose the client.")
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            return self.env._("Enter the amount (more than zero).")
        # A new request without reference is numbered when saved (the button saves first).
        if self._origin.id and not (self.reference or "").strip():
            return self.env._("Enter a reference.")
        too_long = self._explanation_refusal()
        if too_long:
            return too_long
        if not self.queue_id:
            return self.env._("Choose a payment queue.")
        if self.env.user not in self.queue_id.sudo().user_ids:
            return self._membership_refusal(self.queue_id)
        if not self.send_sms and not self.send_email:
            return self.env._("Choose to send by SMS, by email, or both.")
        if self.send_sms and not self.phone:
            return self.env._("Enter the number to send the SMS to.")
        if self.send_email and not self.email:
            return self.env._("Enter the address to send the email to.")
        return self.queue_id.sudo()._channel_refusal(self._channel()) or (
            self.queue_id.sudo()._capacity_refusal()
        )

    @api.depends("partner_id", "amount", "currency_id", "reference", "send_sms", "state")
    def _compute_sms_preview(self):
        price = utils.parse_amount(
            self.env["ir.config_parameter"].sudo().get_param(const.SMS_SEGMENT_PRICE_PARAM) or ""
        )
        for request in self:
            request.sms_preview = request.sms_info = False
            request.sms_segments = 0
            request.sms_cost = 0.0
            if (
                request.state != "draft"
                or not request.send_sms
                or not request.partner_id
                or request.currency_id.compare_amounts(request.amount, 0) <= 0
            ):
                continue
            service = self.env["payment.link.send.service"]
            link, urls = service._preview_link(request, "sms")
            body = service._render_sms_bodies(link, urls)[link.id]
            encoding, units, segments = utils.sms_segments(body)
            request.sms_preview = body
            request.sms_segments = segments
            request.sms_info = self.env._(
                "%(units)s characters, %(segments)s SMS segments (%(encoding)s).",
                units=units,
                segments=segments,
                encoding=encoding,
            )
            if price:
                request.sms_cost = request.company_currency_id.round(segments * price)

    @api.depends("payment_link_ids.token_hint")
    def _compute_link_hint(self):
        for request in self:
            latest = request.sudo().payment_link_ids.sorted("id", reverse=True)[:1]
            request.link_hint = latest.display_name if latest else False

    # === CONSTRAINTS === #

    @api.constrains("amount")
    def _check_amount(self):
        for request in self:
            if request.currency_id.compare_amounts(request.amount, 0) <= 0:
                raise ValidationError(request._amount_refusal())

    @api.constrains("explanation")
    def _check_explanation(self):
        for request in self:
            refusal = request._explanation_refusal()
            if refusal:
                raise ValidationError(refusal)

    @api.constrains("reference")
    def _check_reference(self):
        for request in self:
            if not (request.reference or "").strip():
                raise ValidationError(self.env._("A payment request needs a reference."))

    def _amount_refusal(self):
        return self.env._("The amount of a payment request must be more than zero.")

    def _explanation_refusal(self):
        length = explanation_length(self.explanation)
        if length <= const.REQUEST_EXPLANATION_MAX_LENGTH:
            return False
        return self.env._(
            "The explanation is %(length)s characters long: at most %(max)s are shown to the "
            "client.",
            length=length,
            max=const.REQUEST_EXPLANATION_MAX_LENGTH,
        )

    def _membership_refusal(self, queue):
        return self.env._(
            "You are not a member of the payment queue %s: ask a manager to add you.",
            queue.name,
        )

    # === CRUD === #

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.su and vals.get("queue_id"):
                self._check_queue_membership(vals["queue_id"])
            vals["reference"] = (vals.get("reference") or "").strip() or self._default_reference(
                self.env["res.company"].browse(vals.get("company_id")) or None
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            server_fields = [
                name
                for name in vals
                if name in self._fields
                and self._fields[name].compute
                and self._fields[name].readonly
            ]
            if server_fields:
                raise UserError(
                    self.env._(
                        "These fields of a payment request are computed by the server and "
                        "cannot be written: %s",
                        ", ".join(server_fields),
                    )
                )
            if "queue_id" in vals:
                self._check_queue_membership(vals["queue_id"])
        locked = {"partner_id", "amount", "currency_id", "company_id"} & set(vals)
        # Locked once a link was sent (not on ``state``: a stored compute).
        if locked and any(request.sudo().payment_link_ids for request in self):
            raise UserError(
                self.env._(
                    "A payment request that was sent cannot change its client, amount or "
                    "currency: cancel it and create a new one."
                )
            )
        if vals.get("reference"):
            vals["reference"] = vals["reference"].strip()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        for request in self:
            if request.sudo().payment_link_ids:
                raise UserError(
                    self.env._(
                        "%s was sent: its links are kept for the audit trail. Cancel it instead "
                        "of deleting it.",
                        request.reference,
                    )
                )

    @api.model
    def get_empty_list_help(self, help_message):
        """The app's first run: without a payment queue of theirs, an agent is told what to do
        (a manager creates a queue, with the button; an agent asks to be added to one)."""
        Queue = self.env["payment.link.queue"]
        if not Queue.has_access("read") or Queue.search_count([], limit=1):
            return super().get_empty_list_help(help_message)
        if self.env.user.has_group("payment_link_sms_desk.group_payment_request_manager"):
            return Markup(
                '<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>'
                '<p><a class="btn btn-primary o_payment_request_create_queue" href="%s">%s</a></p>'
            ) % (
                self.env._("Create a payment queue first"),
                self.env._(
                    "Requests are sent in payment queues: a queue says who takes payments (its "
                    "members), through which providers and on which channels."
                ),
                "/odoo/action-payment_link_sms_desk.action_payment_link_queue/new",
                self.env._("Create a payment queue"),
            )
        return Markup('<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>') % (
            self.env._("You are not a member of any payment queue yet"),
            self.env._(
                "Requests are sent in payment queues: ask a manager to create one and to add "
                "you to its members."
            ),
        )

    # === ACTIONS === #

    def action_generate_payment_link(self):
        """Send the draft request's link on the chosen channels (the form's main button)."""
        self.ensure_one()
        self._paylink_check_caller()
        self._check_can_send()
        answer = self.send_payment_link(
            self._channel(), phone=self.phone or None, email=self.email or None
        )[0]
        link = self.env["payment.link"].browse(answer["link_id"])
        channels = dict(link._fields["channel"]._description_selection(self.env))
        # The agent sees the link masked (its last characters): the full link is in the message.
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Payment link sent"),
                "message": self.env._(
                    "%(link)s sent by %(channel)s to %(recipients)s.",
                    link=link.display_name,
                    channel=channels[link.channel],
                    recipients=", ".join(filter(None, [link.phone, link.email])),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_cancel(self):
        """Cancel the live links of the requests (the customer's page answers 410)."""
        self._paylink_check_caller()
        self._paylink_stop(self.env._("The request was cancelled"))
        return True

    def action_discard(self):
        """Discard draft requests (never sent)."""
        self.check_access("unlink")
        self.unlink()
        return {"type": "ir.actions.act_window_close"}

    # === BUSINESS METHODS === #

    def _channel(self):
        self.ensure_one()
        if self.send_sms and self.send_email:
            return "both"
        return "sms" if self.send_sms else "email" if self.send_email else False

    def _check_queue_membership(self, queue_id):
        """Agents put requests only in the queues they are members of (managers in any).

        :raise AccessError: When the user is not a member of the queue ``queue_id``.
        """
        queue = self.env["payment.link.queue"].sudo().browse(queue_id).exists()
        if (
            queue
            and self.env.user not in queue.user_ids
            and not self.env.user.has_group("payment_link_sms_desk.group_payment_request_manager")
        ):
            raise AccessError(self._membership_refusal(queue))

    def _payment_link_sender_refusal(self, channel):
        """The desk's rules on every send path (the form, ``send_payment_link``, the wizard, a
        resend): the sender is a member of the request's queue, the queue sends on
        ``channel`` and, for a request not yet open, has room for it."""
        self.ensure_one()
        if self.env.su:
            return False
        queue = self.queue_id.sudo()
        if not queue:
            return self.env._("%s has no payment queue: choose one.", self.reference)
        if self.env.user not in queue.user_ids:
            return self._membership_refusal(queue)
        refusal = queue._channel_refusal(channel)
        if not refusal and self.state not in const.REQUEST_OPEN_STATES:
            refusal = queue._capacity_refusal()
        return refusal

    def _check_can_send(self):
        """Refuse (``UserError``) a send that is missing something or that the queue does not
        allow now (the reason the form shows under its disabled button)."""
        self.ensure_one()
        reason = self._send_blocked_reason()
        if reason:
            raise UserError(reason)

    @api.model
    def _select_queue(self, queue_id, company, operation="receive"):
        """The queue of a request: the one given (the user must be a member), else the user's
        only queue offered for ``operation``.

        :raise UserError: When the queue is unknown, the user is not a member, or the user
                          has several queues or none.
        """
        Queue = self.env["payment.link.queue"].sudo()
        if queue_id:
            queue = Queue.browse(int(queue_id)).exists()
            if not queue or queue.company_id != company:
                raise UserError(self.env._("Unknown payment queue %s.", queue_id))
            if self.env.user not in queue.user_ids:
                raise UserError(self._membership_refusal(queue))
            if not queue._operation_supported(operation):
                raise UserError(
                    self.env._(
                        "The payment queue %s does not take this kind of transaction.", queue.name
                    )
                )
            return queue
        queues = Queue._queues_of_user(operation, company=company)
        if not queues:
            raise UserError(
                self.env._(
                    "No payment queues have been defined with the selected transaction type."
                )
            )
        if len(queues) > 1:
            raise UserError(
                self.env._(
                    "You are a member of several payment queues (%s): choose one.",
                    ", ".join(queues.mapped("name")),
                )
            )
        return queues

    @api.model
    def _create_and_send(self, values):
        """``payment.link.create_payment_request``: create a request and send its link.

        Every check runs before anything is written; a send that fails after the request was
        created (no number, blacklisted...) rolls it back: a refusal creates nothing.
        """
        self.env["payment.link"]._ensure_manage_rights()
        self.check_access("create")
        values = dict(values or {})
        partner = self.env["res.partner"]
        if values.get("partner_id"):
            partner = partner.browse(int(values["partner_id"])).exists()
        if not partner:
            raise UserError(self.env._("Choose the client of the payment request."))
        company = self.env.company
        currency = company.currency_id
        if values.get("currency_id"):
            currency = self.env["res.currency"].browse(int(values["currency_id"])).exists()
            if not currency or not currency.active:
                raise UserError(self.env._("Unknown or inactive currency."))
        amount = utils.parse_amount(values.get("amount"))
        if amount is None or currency.compare_amounts(amount, 0) <= 0:
            raise UserError(self._amount_refusal())
        explanation = values.get("explanation") or False
        refusal = self.new({"explanation": explanation})._explanation_refusal()
        if refusal:
            raise UserError(refusal)
        reference = (values.get("reference") or "").strip()
        if reference and self.sudo().search_count(
            [("company_id", "=", company.id), ("reference", "=", reference)], limit=1
        ):
            raise UserError(
                self.env._(
                    "The reference %(reference)s is already used in %(company)s: each request "
                    "needs its own.",
                    reference=reference,
                    company=company.name,
                )
            )
        queue = self._select_queue(values.get("queue_id"), company)
        channel = values.get("channel") or queue._default_channel()
        if channel not in dict(engine_const.CHANNELS):
            raise UserError(self.env._("Unknown channel %s: use sms, email or both.", channel))
        refusal = queue._channel_refusal(channel) or queue._capacity_refusal()
        if refusal:
            raise UserError(refusal)
        with self.env.cr.savepoint():
            request = self.create(
                {
                    "partner_id": partner.id,
                    "amount": amount,
                    "currency_id": currency.id,
                    "company_id": company.id,
                    "reference": reference,
                    "explanation": explanation,
                    "queue_id": queue.id,
                    "send_sms": channel in ("sms", "both"),
                    "send_email": channel in ("email", "both"),
                }
            )
            answer = request.send_payment_link(
                channel, phone=values.get("phone") or None, email=values.get("email") or None
            )[0]
            if answer["error"]:
                raise UserError(answer["error"])
        return {
            "request_id": request.id,
            "link_id": answer["link_id"],
            "url": answer["url"],
            "reference": request.reference,
            "state": request.state,
            "expiration_date": answer["expiration_date"],
            "error": False,
        }

    # === Hooks of payment.link.mixin === #

    def _payment_link_amount_due(self):
        self.ensure_one()
        return max(self.currency_id.round(self.amount - self.amount_paid), 0.0)

    def _payment_link_refusal(self):
        self.ensure_one()
        if not self.partner_id:
            return self.env._("%s has no client.", self.reference)
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            return self.env._("%s has nothing to pay: its amount is zero.", self.reference)
        if self._payment_link_is_paid():
            return self.env._("%s is already paid.", self.reference)
        return False

    def _payment_link_can_send_depends(self):
        return ["partner_id", "amount", "state", "payment_link_state"]

    def _payment_link_is_paid(self):
        self.ensure_one()
        return self.currency_id.compare_amounts(self.amount, 0) > 0 and (
            self.currency_id.compare_amounts(self.amount_paid, self.amount) >= 0
        )

    def _payment_link_paid_reason(self):
        return self.env._("The request was paid")

    @api.model
    def _payment_link_find_domain(self, number):
        return [("reference", "=", number)]

    def _payment_link_salesperson(self):
        return self.user_id

    def _payment_link_extra_values(self):
        return {"payment_request_id": self.id}

    def _payment_link_summary_template(self):
        return "payment_link_sms_desk.pay_page_summary_request"

    def _payment_link_refund_refusal(self, link, amount):
        """Why ``link`` of this request cannot be refunded (``payment.link.action_refund``):
        its queue does not allow refunds; or False."""
        self.ensure_one()
        queue = self.queue_id.sudo()
        if not queue.allow_refund:
            return self.env._(
                "The payment queue %s does not allow refunds.", queue.name or self.reference
            )
        return False
