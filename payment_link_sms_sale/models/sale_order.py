# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_date

from odoo.addons.payment_link_sms import const

from ..const import QUOTATION_STATES


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "payment.link.mixin"]

    payment_link_can_confirm_send = fields.Boolean(
        string="Can Confirm And Send A Payment Link", compute="_compute_payment_link_can_send"
    )

    def _compute_payment_link_can_send(self):
        res = super()._compute_payment_link_can_send()
        for order in self:
            # Once a link went out, Resend (and Expire) take over: no second way to send.
            order.payment_link_can_confirm_send = (
                order.state in QUOTATION_STATES
                and order.payment_link_state not in (*const.LIVE_STATES, "expired")
                and not order._order_link_refusal(offer=False)
            )
        return res

    # === ACTIONS === #

    def action_confirm_and_send_payment_link(self):
        """Open the payment link wizard that confirms the quotations, then sends their links."""
        action = self.action_send_payment_link()
        action["name"] = self.env._("Confirm & Send Payment Link")
        action["context"] = {**action["context"], "default_confirm_orders": True}
        return action

    # === Hooks of payment.link.mixin === #

    def _payment_link_can_send_depends(self):
        return [
            "state",
            "amount_total",
            "require_payment",
            "prepayment_percent",
            "validity_date",
            "payment_link_state",
        ]

    def _payment_link_paid_reason(self):
        return self.env._("The order was paid")

    def _payment_link_write_stop_reason(self, vals):
        return vals.get("state") == "cancel" and self.env._("The order was cancelled")

    def _payment_link_state_changed(self, target, reason=False):
        res = super()._payment_link_state_changed(target, reason=reason)
        if target == "sent":
            # A quotation whose link went out was sent to the customer, as by email.
            self.filtered(lambda order: order.state == "draft").action_quotation_sent()
        return res

    def _payment_link_refusal(self):
        return self._order_link_refusal(offer=self._order_link_is_offer())

    def _order_link_refusal(self, offer):
        """Why no link can be sent for the order (see ``_payment_link_refusal``).

        :param bool offer: Judge it as a quotation (its expiry counts); False: as the order
                           it will be once confirmed (the composer's confirm and send).
        """
        self.ensure_one()
        name = self.name
        currency = self.currency_id
        if self.state == "cancel":
            return self.env._("%s is cancelled: there is nothing to pay.", name)
        if currency.compare_amounts(self.amount_total, 0) <= 0:
            return self.env._("%s has nothing to pay: its total is zero.", name)
        if self._payment_link_is_paid():
            return self.env._("%s is already paid.", name)
        if offer and self.is_expired:
            return self.env._(
                "Quotation %(order)s expired on %(date)s: extend its expiration date or confirm "
                "it before sending a payment link.",
                order=name,
                date=format_date(self.env, self.validity_date),
            )
        return False

    def _payment_link_charge_allowed(self):
        # The charge policy of orders: a confirmed order (a booking) may be charged.
        return True

    def _payment_link_charge_refusal(self):
        # A card on file is charged for a confirmed order (a booking) only: a quotation is
        # confirmed by the customer, not by charging them.
        if self.state != "sale":
            return self.env._(
                "%s is not a confirmed order: confirm it before charging a card on file.",
                self.name,
            )
        return super()._payment_link_charge_refusal()

    def _payment_link_partner(self):
        # The customer pays with the invoice address, as on Odoo's own sale portal and in its
        # payment link wizard.
        return self.partner_invoice_id

    def _payment_link_contact(self):
        # The link goes to the customer who booked, as the quotation itself does.
        return self.partner_id

    def _payment_link_salesperson(self):
        return self.user_id

    def _payment_link_amount_due(self):
        return self._order_link_amount_due(offer=self._order_link_is_offer())

    def _order_link_amount_due(self, offer):
        """What the customer pays now, as Odoo's sale portal and payment link compute it.

        A quotation that asks for a prepayment (``require_payment``) asks for what is still
        missing of the prepayment (deposit); anything else asks for the rest of the total.

        :param bool offer: See ``_order_link_refusal`` (False: once confirmed).
        """
        self.ensure_one()
        currency = self.currency_id
        paid = self._order_link_paid_amount()
        if offer and self.require_payment:
            prepayment = self._get_prepayment_required_amount()
            if currency.compare_amounts(prepayment, paid) > 0:
                return currency.round(prepayment - paid)
        return max(currency.round(self.amount_total - paid), 0.0)

    def _payment_link_is_paid(self):
        self.ensure_one()
        currency = self.currency_id
        return currency.compare_amounts(self.amount_total, 0) > 0 and (
            currency.compare_amounts(self._order_link_paid_amount(), self.amount_total) >= 0
        )

    def _payment_link_extra_values(self):
        return {"sale_order_id": self.id}

    def _payment_link_transaction_values(self):
        # Odoo's sale flow takes over from there: the quotation is confirmed once the
        # prepayment is reached, and invoiced when `sale.automatic_invoice` is set.
        return {"sale_order_ids": [Command.set(self.ids)]}

    def _payment_link_summary_template(self):
        return "payment_link_sms_sale.pay_page_summary_sale_order"

    def _payment_link_pdf_label(self):
        if self.state in QUOTATION_STATES:
            return self.env._("Download quotation (PDF)")
        return self.env._("Download order (PDF)")

    @api.model
    def _payment_link_count_labels(self):
        return self.env._("%s sales order"), self.env._("%s sales orders")

    def _payment_link_report_ref(self):
        return "sale.action_report_saleorder"

    def _payment_link_expiration_date(self, default):
        expiration = super()._payment_link_expiration_date(default)
        return self._order_link_expiration_date(expiration, offer=self._order_link_is_offer())

    def _order_link_expiration_date(self, expiration, offer):
        """A link for a quotation expires with the quotation: Odoo refuses to confirm an
        expired quotation online (``offer`` False: the order once confirmed, no such bound).

        :param datetime expiration: The expiry the engine gives.
        """
        if not offer or not self.validity_date:
            return expiration
        # The end of the validity day, where the customer is (as the messages show the date)
        # and in UTC (as Odoo decides that a quotation expired).
        partner = self._payment_link_partner()
        tz = pytz.timezone(partner.tz or self.company_id.partner_id.tz or "UTC")
        day_end = datetime.combine(self.validity_date, time(23, 59, 59))
        local_end = tz.localize(day_end).astimezone(pytz.utc).replace(tzinfo=None)
        return min(expiration, local_end, day_end)

    # === Business helpers === #

    def _order_link_is_offer(self):
        """Whether the order is still a quotation that the payment itself may confirm."""
        return self.state in QUOTATION_STATES

    def _order_link_paid_amount(self):
        """What the customer already paid for the order.

        Online payments count as on Odoo's portal (``amount_paid``); once the order is
        invoiced, what was paid on its invoices counts too. The larger of the two is taken,
        so that a payment that went through both (an online payment reconciled with the
        invoice) is not counted twice.
        """
        self.ensure_one()
        invoices_sudo = self.sudo().invoice_ids.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.payment_state != "reversed"
            )
        )
        paid_invoices = sum(
            move.currency_id._convert(
                move.amount_total - move.amount_residual,
                self.currency_id,
                self.company_id,
                move.invoice_date or fields.Date.context_today(self),
            )
            for move in invoices_sudo
        )
        return max(self.amount_paid, paid_invoices)

    def _order_link_sync_paid(self):
        """Close the live links of the orders paid elsewhere (the mixin's ``_paylink_sync_paid``),
        their ``amount_paid`` read again: Odoo's portal payments add to it without telling the
        cache."""
        self.invalidate_recordset(["amount_paid"])
        return self._paylink_sync_paid()

    # === Keep links in step with the order's amount === #

    def _order_link_amount_key(self):
        """What the customer was asked to pay depends on: the currency, the total, and the
        prepayment it requires. Payments and the confirmation change none of them."""
        self.ensure_one()
        return (self.currency_id, self.amount_total, self._get_prepayment_required_amount())

    def _order_link_amount_snapshot(self):
        """The amount keys of the orders of ``self`` that have a live link.

        :return: ``{order_id: key}``, to give to
                 :meth:`_order_link_cancel_changed_amounts` once the
                 orders were changed.
        :rtype: dict
        """
        return {
            order.id: order._order_link_amount_key()
            for order in self
            if order.payment_link_state in const.LIVE_STATES
        }

    @api.model
    def _order_link_cancel_changed_amounts(self, snapshot):
        """Cancel the live links of the orders whose amount changed since ``snapshot``."""
        if not snapshot:
            return
        changed = self.browse()
        for order in self.browse(list(snapshot)).exists():
            currency, total, prepayment = snapshot[order.id]
            if (
                order.currency_id != currency
                or currency.compare_amounts(order.amount_total, total)
                or currency.compare_amounts(order._get_prepayment_required_amount(), prepayment)
            ):
                changed |= order
        changed._order_link_amount_changed()

    def _order_link_amount_changed(self):
        """Cancel the live links of ``self`` (their amount changed) and offer to send new ones."""
        live = self._paylink_live_links()
        if not live:
            return
        live.write({"sale_amount_changed": True})
        live._set_state("cancelled", reason=self.env._("The amount changed"), log_document=False)
        for order in self:
            links = live.filtered(lambda link, order=order: link.res_id == order.id)
            if links:
                order._order_link_offer_new_link(links)

    def _order_link_offer_new_link(self, links):
        """Tell the users that the links of ``self`` were cancelled and a new one is needed."""
        self.ensure_one()
        currency = self.currency_id
        new_amount = currency.format(self._payment_link_amount_due())
        title = self.env._("Payment link cancelled: %s", self.name)
        message = self.env._(
            "The amount of %(order)s changed: payment link %(links)s (%(old)s) was cancelled. "
            "Send a new payment link for the new amount due (%(new)s).",
            order=self.name,
            links=", ".join(links.mapped("display_name")),
            old=", ".join(currency.format(link.amount) for link in links),
            new=new_amount,
        )
        users = self.env["res.users"]
        for link in links:
            users |= link._get_notified_users()
        if not self.env.user.share:
            users |= self.env.user
        self.sudo().message_post(
            body=Markup("<p>%s</p>") % message,
            subject=title,
            partner_ids=users.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )
        users._bus_send(
            "simple_notification",
            {"type": "warning", "title": title, "message": message, "sticky": True},
        )

    # === CRUD === #

    def write(self, vals):
        snapshot = self._order_link_amount_snapshot()
        res = super().write(vals)
        self._order_link_cancel_changed_amounts(snapshot)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_payment_links(self):
        for order in self:
            if order.sudo().payment_link_ids:
                raise UserError(
                    self.env._(
                        "%s has payment links, which are kept for the audit trail: cancel the "
                        "order instead of deleting it.",
                        order.name,
                    )
                )
