# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .. import const


class PaymentCardRequest(models.Model):
    """A request sent to a customer to save a card for future payments, without paying.

    A payable document of its own (``payment.link.mixin``) with nothing due: its link is sent,
    tracked, expired and audited like any payment link, and its page saves the card through
    Odoo's validation operation (``operation='validation'``: the provider's validation amount,
    refunded or voided as the provider does it). One request per sending; its result (card
    saved, failed, expired) is logged on the request, on the customer and in the link's events.
    """

    _name = "payment.card.request"
    _description = "Card Request"
    _inherit = ["mail.thread", "payment.link.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        selection=const.CARD_REQUEST_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    token_id = fields.Many2one(
        comodel_name="payment.token",
        string="Saved Card",
        readonly=True,
        copy=False,
        context={"active_test": False},
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Requested By",
        readonly=True,
        default=lambda self: self.env.user,
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code(self._name) or "/"
        return super().create(vals_list)

    def write(self, vals):
        # Users send and follow the requests; what they say happened is the server's to write.
        if not self.env.su and set(vals) & {"state", "token_id", "partner_id", "company_id"}:
            raise AccessError(self.env._("A card request's result is written by the server only."))
        return super().write(vals)

    def action_send_payment_link(self):
        action = super().action_send_payment_link()
        action["name"] = self.env._("Request Card")
        return action

    @api.autovacuum
    def _gc_unsent_card_requests(self):
        """Drop the requests created by "Request card" whose composer was discarded."""
        limit = fields.Datetime.now() - timedelta(days=const.CARD_REQUEST_DRAFT_DAYS)
        self.sudo().search(
            [("state", "=", "draft"), ("payment_link_ids", "=", False), ("create_date", "<", limit)]
        ).unlink()

    # === payment.link.mixin HOOKS === #

    def _payment_link_amount_due(self):
        return 0.0

    def _payment_link_refusal(self):
        if self.state == "done":
            return self.env._("%s: the card was already saved.", self.name)
        if self.state not in ("draft", "open"):
            return self.env._("%s is closed: send a new card request.", self.name)
        return False

    def _payment_link_can_send_depends(self):
        return ["state", "payment_link_state"]

    def _payment_link_is_paid(self):
        return self.state == "done"

    def _payment_link_paid_reason(self):
        return self.env._("The card was saved")

    def _payment_link_extra_values(self):
        # Its links are card requests, counted and named apart from payment links.
        return {**super()._payment_link_extra_values(), "kind": "card_request"}

    def _payment_link_is_validation(self):
        return True

    def _payment_link_summary_template(self):
        return "payment_link_sms_card.pay_page_summary_card_request"

    def _payment_link_message_templates(self, kind="request"):
        company = self.company_id or self.env.company
        if company.payment_card_request_reuse_templates:
            return super()._payment_link_message_templates(kind)
        return company._payment_card_request_templates()

    def _payment_link_state_changed(self, target, reason=False):
        self._card_request_link_moved(target, reason)

    # === BUSINESS METHODS === #

    def _card_request_log(self, body):
        """Log ``body`` on the requests and on their customers (the result a user looks for)."""
        author = self.env.ref("base.partner_root")
        for request in self.sudo():
            text = Markup("<p>%s</p>") % self.env._(
                "Card request %(request)s: %(result)s", request=request.name, result=body
            )
            request._message_log(body=text, author_id=author.id)
            request.partner_id._message_log(body=text, author_id=author.id)

    def _card_request_link_moved(self, target, reason):
        """Follow the state of the request's link (sent, expired, cancelled)."""
        if target == "sent":
            self.filtered(lambda req: req.state == "draft").sudo().state = "open"
            return
        if target not in ("expired", "cancelled"):
            return
        closing = self.filtered(
            lambda req: req.state in ("draft", "open") and not req._paylink_live_links()
        )
        if not closing:
            return
        closing.sudo().state = target
        label = self.env._("expired") if target == "expired" else self.env._("cancelled")
        closing._card_request_log(
            f"{label} ({reason})" if reason and target == "cancelled" else label
        )

    @api.model
    def _card_label(self, token):
        """The saved card in words: its brand and last 4 digits (whatever a provider
        stored)."""
        return token.sudo()._payment_link_card_name()

    def _card_request_saved(self, transaction):
        """The customer saved a card through the request's link (a validation transaction)."""
        self.ensure_one()
        token = transaction.token_id
        self.sudo().write({"state": "done", "token_id": token.id})
        link = transaction.payment_link_id
        reason = self.env._("Card saved: %s", self._card_label(token))
        link._log_events("card_saved", transaction_id=transaction.id, reason=reason)
        link._set_state(
            "paid",
            reason=reason,
            values={"paid_transaction_id": transaction.id},
            event_values={"transaction_id": transaction.id},
            log_document=False,
        )
        self._card_request_log(self.env._("card saved (%s).", self._card_label(token)))

    def _card_request_failed(self, transaction):
        """A validation through the request's link failed: the link stays usable to retry."""
        self.ensure_one()
        reason = transaction.state_message or self.env._("The card could not be saved.")
        transaction.payment_link_id._log_events(
            "card_failed", transaction_id=transaction.id, reason=reason[:255]
        )
        self._card_request_log(self.env._("the card could not be saved (%s).", reason))
