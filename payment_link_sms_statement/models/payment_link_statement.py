# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command

STATES = [
    ("draft", "Not Sent"),
    ("open", "Open"),
    ("paid", "Paid by Link"),
    ("closed", "Closed"),
]


class PaymentLinkStatement(models.Model):
    """Several open invoices of one customer, paid through one link (a payable document).

    ``invoice_ids`` are the invoices still asked: an invoice paid (by this link or elsewhere),
    reversed, reset to draft or cancelled leaves it at once, and the amount follows;
    ``origin_invoice_ids`` keeps every invoice the statement was sent for, with their states.
    A customer may pay a subset (``allow_choice``): their choice (``chosen_invoice_ids``) is
    recorded from the page, and the amount always comes from the server.
    """

    _name = "payment.link.statement"
    _inherit = ["mail.thread", "payment.link.mixin"]
    _description = "Statement Payment Link"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True), '|', ('company_id', '=', False), "
        "('company_id', '=', company_id)]",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    invoice_ids = fields.Many2many(
        comodel_name="account.move",
        relation="payment_link_statement_invoice_rel",
        column1="statement_id",
        column2="invoice_id",
        string="Open Invoices",
        check_company=True,
        copy=False,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial')), "
        "('commercial_partner_id', '=', partner_id), ('currency_id', '=', currency_id)]",
        help="The posted customer invoices of the customer still asked, with something left "
        "to pay. An invoice paid, reversed or reset to draft elsewhere leaves the statement.",
    )
    origin_invoice_ids = fields.Many2many(
        comodel_name="account.move",
        relation="payment_link_statement_origin_rel",
        column1="statement_id",
        column2="invoice_id",
        string="Invoices Sent",
        readonly=True,
        copy=False,
        help="Every invoice the statement was sent for, with its state now.",
    )
    chosen_invoice_ids = fields.Many2many(
        comodel_name="account.move",
        relation="payment_link_statement_chosen_rel",
        column1="statement_id",
        column2="invoice_id",
        string="Chosen by the Customer",
        readonly=True,
        copy=False,
        help="The invoices the customer ticked on the payment page (none: all of them).",
    )
    amount = fields.Monetary(
        string="Amount Due",
        compute="_compute_amount",
        store=True,
        help="The sum of the amounts left to pay on the open invoices, computed by the server.",
    )
    invoice_count = fields.Integer(string="Invoices", compute="_compute_amount", store=True)
    allow_choice = fields.Boolean(
        string="Customer Chooses",
        default=lambda self: self.env.company.payment_link_statement_allow_choice,
        help="The customer may pay only some of the invoices (all are ticked at first).",
    )
    state = fields.Selection(
        selection=STATES,
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
        help="Not sent, open (something left to pay), paid through its link, or closed (its "
        "invoices were paid, reversed or reset elsewhere).",
    )

    @api.depends("invoice_ids.amount_residual", "invoice_ids.currency_id")
    def _compute_amount(self):
        for statement in self:
            statement.amount = statement.currency_id.round(
                sum(statement.invoice_ids.mapped("amount_residual"))
            )
            statement.invoice_count = len(statement.invoice_ids)

    @api.depends(
        "invoice_ids", "payment_link_count", "payment_link_state", "payment_link_paid_date"
    )
    def _compute_state(self):
        for statement in self:
            if not statement.payment_link_count:
                state = "draft"
            elif statement.payment_link_state == "paid" and statement.payment_link_paid_date:
                state = "paid"
            elif not statement.invoice_ids or statement.payment_link_state == "paid":
                state = "closed"
            else:
                state = "open"
            statement.state = state

    @api.onchange("partner_id", "company_id")
    def _onchange_partner_id(self):
        if self.partner_id and self.state in (False, "draft"):
            invoices = self._statement_open_invoices_of(self.partner_id, self.company_id)
            self.currency_id = invoices[:1].currency_id or self.company_id.currency_id
            self.invoice_ids = invoices.filtered(lambda inv: inv.currency_id == self.currency_id)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("payment.link.statement") or "/"
        statements = super().create(vals_list)
        for statement in statements:
            statement.origin_invoice_ids = statement.invoice_ids
        statements._statement_check_invoices()
        return statements

    def write(self, vals):
        res = super().write(vals)
        if "invoice_ids" in vals:
            # Invoices added by hand before sending are invoices sent too.
            for statement in self.filtered(lambda st: st.state == "draft"):
                statement.origin_invoice_ids = statement.invoice_ids
            self.filtered(lambda st: st.state == "draft")._statement_check_invoices()
        return res

    # === Business methods === #

    @api.model
    def _statement_is_open(self, invoice):
        """Whether ``invoice`` can be asked on a statement: a posted customer invoice with
        something left to pay (not paid, in payment, reversed nor blocked)."""
        return (
            invoice.move_type == "out_invoice"
            and invoice.state == "posted"
            and invoice.payment_state in ("not_paid", "partial")
            and not invoice.currency_id.is_zero(invoice.amount_residual)
        )

    @api.model
    def _statement_open_invoices_of(self, partner, company=None):
        """The open invoices of ``partner`` (its commercial entity) in ``company``, oldest
        due first."""
        domain = [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("commercial_partner_id", "=", partner.commercial_partner_id.id),
        ]
        if company:
            domain.append(("company_id", "=", company.id))
        invoices = self.env["account.move"].search(domain)
        return self._statement_sorted(invoices.filtered(self._statement_is_open))

    @api.model
    def _statement_sorted(self, invoices):
        """Oldest due date first, as Odoo's reconciliation allocates a payment."""
        return invoices.sorted(
            lambda inv: (inv.invoice_date_due or inv.invoice_date or inv.date, inv.id)
        )

    @api.model
    def _statement_prepare_values(self, partner, invoices=None):
        """Check and return the create values of a statement of ``partner`` for ``invoices``
        (default: all the partner's open invoices).

        :raise UserError: No open invoice; invoices of several customers, companies or
                          currencies; an invoice not posted, not a customer invoice or paid.
        """
        partner = partner.commercial_partner_id
        if invoices is None:
            invoices = self._statement_open_invoices_of(partner, self.env.company)
            if len(invoices.currency_id) > 1:
                # All of them in the currency of the oldest one due (one payment, one currency).
                invoices = invoices.filtered(lambda inv: inv.currency_id == invoices[0].currency_id)
        if not invoices:
            raise UserError(self.env._("%s has no open invoice to pay.", partner.display_name))
        self._statement_check_invoice_set(invoices, partner)
        return {
            "partner_id": partner.id,
            "company_id": invoices.company_id.id,
            "currency_id": invoices.currency_id.id,
            "invoice_ids": [Command.set(self._statement_sorted(invoices).ids)],
        }

    @api.model
    def _statement_missing_invoice_error(self):
        return UserError(self.env._("Some of these invoices do not exist (any more)."))

    @api.model
    def _statement_check_invoice_set(self, invoices, partner):
        """Raise a ``UserError`` naming why ``invoices`` cannot make one statement of
        ``partner``."""
        if not invoices:
            raise UserError(self.env._("%s has no open invoice to pay.", partner.display_name))
        if len(invoices.commercial_partner_id) > 1 or invoices.commercial_partner_id != partner:
            raise UserError(
                self.env._(
                    "A statement link asks one customer: these invoices are of several "
                    "customers (%s).",
                    ", ".join(invoices.commercial_partner_id.mapped("display_name")),
                )
            )
        if len(invoices.company_id) > 1:
            raise UserError(
                self.env._(
                    "A statement link is paid to one company: these invoices are of %s.",
                    ", ".join(invoices.company_id.mapped("name")),
                )
            )
        if len(invoices.currency_id) > 1:
            raise UserError(
                self.env._(
                    "A statement link is paid in one currency: these invoices are in %s.",
                    ", ".join(invoices.currency_id.mapped("name")),
                )
            )
        for invoice in invoices:
            if invoice.move_type != "out_invoice":
                raise UserError(self.env._("%s is not a customer invoice.", invoice.display_name))
            if invoice.state != "posted":
                raise UserError(
                    self.env._(
                        "%s is not posted: confirm it before sending a statement link.",
                        invoice.display_name,
                    )
                )
            if not self._statement_is_open(invoice):
                raise UserError(
                    self.env._(
                        "%s is already paid: there is nothing left to pay on it.", invoice.name
                    )
                )

    def _statement_check_invoices(self):
        for statement in self:
            try:
                self._statement_check_invoice_set(
                    statement.invoice_ids, statement.partner_id.commercial_partner_id
                )
            except UserError as error:
                raise ValidationError(error.args[0]) from None
            if statement.invoice_ids.company_id != statement.company_id:
                raise ValidationError(
                    self.env._("The invoices of %s are of another company.", statement.name)
                )
            if statement.invoice_ids.currency_id != statement.currency_id:
                raise ValidationError(
                    self.env._("The invoices of %s are in another currency.", statement.name)
                )

    def _statement_refresh(self):
        """Follow the invoices: the ones no longer open leave the statement (and the
        customer's choice), then the live links close when nothing is left to pay."""
        for statement in self.sudo():
            still_open = statement.invoice_ids.filtered(self._statement_is_open)
            if still_open != statement.invoice_ids:
                statement.invoice_ids = [Command.set(still_open.ids)]
            if statement.chosen_invoice_ids - still_open:
                statement.chosen_invoice_ids = [
                    Command.set((statement.chosen_invoice_ids & still_open).ids)
                ]
        self.sudo()._paylink_sync_paid()

    def _statement_open_residual_invoices(self):
        """The open invoices of the statement with something left to pay once the payments
        under way are reconciled, oldest due first."""
        self.ensure_one()
        open_invoices = self._statement_sorted(self.invoice_ids.filtered(self._statement_is_open))
        residuals = self._statement_residuals(open_invoices)
        return open_invoices.filtered(lambda inv: not self.currency_id.is_zero(residuals[inv]))

    def _statement_payable_invoices(self):
        """The invoices paid now: the customer's choice, else all the open ones, oldest due
        first."""
        self.ensure_one()
        open_invoices = self._statement_open_residual_invoices()
        chosen = self.allow_choice and (self.chosen_invoice_ids & open_invoices)
        return self._statement_sorted(chosen or open_invoices)

    def _statement_page_rows(self):
        """The pay page's list: one row per open invoice, oldest due first, with whether it
        is overdue and ticked (the customer's choice, all by default)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        payable = self._statement_payable_invoices()
        residuals = self._statement_residuals(self._statement_open_residual_invoices())
        return [
            {
                "invoice": invoice,
                "overdue": bool(invoice.invoice_date_due and invoice.invoice_date_due < today),
                "checked": invoice in payable,
                "due": due,
            }
            for invoice, due in residuals.items()
        ]

    def _statement_choose(self, invoice_ids):
        """Record the customer's choice on the page (ids among the open invoices).

        :raise ValidationError: When the choice is not allowed or names another invoice.
        """
        self.ensure_one()
        open_invoices = self._statement_open_residual_invoices()
        chosen = open_invoices.filtered(lambda inv: inv.id in set(invoice_ids))
        if not self.allow_choice or not chosen or len(chosen) != len(set(invoice_ids)):
            raise ValidationError(self.env._("Choose at least one of the invoices listed."))
        self.sudo().chosen_invoice_ids = [
            Command.set([] if chosen == open_invoices else chosen.ids)
        ]

    def _statement_residuals(self, invoices, exclude=None):
        """What is left to pay on each of ``invoices``: their residual, less the done payments
        that Odoo has not reconciled yet (it does so a moment later, when it post-processes
        them), shared among their invoices oldest due first, as Odoo's reconciliation will.

        :param exclude: A transaction left out (the one being judged).
        :return: ``{invoice: amount}``
        """
        txs = invoices.sudo().transaction_ids.filtered(
            lambda tx: (
                tx.state == "done"
                and not tx.is_post_processed
                and tx.operation != "refund"
                and tx.currency_id == self.currency_id
                and tx != exclude
                and tx.payment_link_outcome not in ("paid_twice", "paid_after_close")
            )
        )
        left = {inv: inv.amount_residual for inv in invoices | txs.invoice_ids}
        for tx in txs.sorted("id"):
            amount = tx.amount
            for invoice in self._statement_sorted(tx.invoice_ids):
                applied = min(amount, left[invoice])
                left[invoice] -= applied
                amount -= applied
        return {inv: max(self.currency_id.round(left[inv]), 0.0) for inv in invoices}

    def _statement_due(self, invoices, exclude=None):
        """What is left to pay on ``invoices`` (see ``_statement_residuals``)."""
        return self.currency_id.round(
            sum(self._statement_residuals(invoices, exclude=exclude).values())
        )

    def _statement_allocation(self, transaction):
        """How ``transaction`` was (or will be) shared among its invoices, oldest due first:
        ``[(invoice, amount applied, amount left)]``, with ``is_partial`` True when an invoice
        was not paid in full."""
        self.ensure_one()
        tx_sudo = transaction.sudo()
        invoices = self._statement_sorted(tx_sudo.invoice_ids)
        rows = []
        payment_lines = tx_sudo.payment_id.move_id.line_ids
        if payment_lines:
            partials = (
                self.env["account.partial.reconcile"]
                .sudo()
                .search([("credit_move_id", "in", payment_lines.ids)])
            )
            for invoice in invoices:
                applied = sum(
                    partials.filtered(lambda p, inv=invoice: p.debit_move_id.move_id == inv).mapped(
                        "debit_amount_currency"
                    )
                )
                rows.append((invoice, applied, invoice.amount_residual))
        else:
            left = tx_sudo.amount
            for invoice in invoices:
                applied = min(left, invoice.amount_residual)
                left -= applied
                rows.append((invoice, applied, invoice.amount_residual - applied))
        currency = self.currency_id
        rows = [(inv, currency.round(a), currency.round(b)) for inv, a, b in rows]
        return rows

    @api.autovacuum
    def _gc_unsent_statements(self):
        """Statements created to be sent whose composer was discarded (never sent)."""
        limit = fields.Datetime.now() - timedelta(days=1)
        self.search(
            [("state", "=", "draft"), ("payment_link_count", "=", 0), ("create_date", "<", limit)]
        ).unlink()

    # === Hooks of payment.link.mixin === #

    def _payment_link_can_send_depends(self):
        return ["state", "invoice_ids", "amount", "payment_link_state"]

    def _payment_link_refusal(self):
        self.ensure_one()
        if self._payment_link_is_paid():
            return self.env._("%s is closed: there is nothing left to pay.", self.name)
        return False

    def _payment_link_amount_due(self):
        """The sum left to pay on the invoices paid now, less payments confirmed by the
        provider that Odoo has not reconciled yet."""
        self.ensure_one()
        return self._statement_due(self._statement_payable_invoices())

    def _payment_link_is_paid(self):
        return not self.invoice_ids.filtered(self._statement_is_open)

    def _payment_link_paid_meanwhile(self, transaction):
        # A payment of invoices of which one was paid (or reversed, or paid in part) since the
        # customer started paying: it would pay them twice. Never applied to another invoice.
        invoices = transaction.sudo().invoice_ids
        if not invoices:
            return False
        if not all(self._statement_is_open(inv) for inv in invoices):
            return True
        due = self._statement_due(invoices, exclude=transaction)
        return self.currency_id.compare_amounts(transaction.amount, due) > 0

    def _payment_link_void_reason(self):
        if self._payment_link_is_paid() and not self.origin_invoice_ids.filtered(
            lambda inv: inv.payment_state in ("paid", "in_payment")
        ):
            return self.env._("The invoices of the statement were reversed or reset to draft")
        return False

    def _payment_link_paid_reason(self):
        return self.env._("The invoices of the statement were paid")

    def _payment_link_transaction_values(self):
        return {"invoice_ids": [Command.set(self._statement_payable_invoices().ids)]}

    def _payment_link_summary_template(self):
        return "payment_link_sms_statement.pay_page_summary_statement"

    @api.model
    def _payment_link_message_templates(self, kind="request"):
        templates = super()._payment_link_message_templates(kind)
        if kind == "request":
            templates = {
                "sms": self.env.ref("payment_link_sms_statement.sms_template_statement_link"),
                "email": self.env.ref("payment_link_sms_statement.mail_template_statement_link"),
            }
        return templates

    @api.model
    def _payment_link_count_labels(self):
        return self.env._("%s statement"), self.env._("%s statements")

    def _payment_link_report_ref(self):
        return False
