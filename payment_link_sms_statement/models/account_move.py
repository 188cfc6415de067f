# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    payment_link_statement_ids = fields.Many2many(
        comodel_name="payment.link.statement",
        relation="payment_link_statement_origin_rel",
        column1="invoice_id",
        column2="statement_id",
        string="Statement Links",
        readonly=True,
        copy=False,
    )
    payment_link_statement_id = fields.Many2one(
        comodel_name="payment.link.statement",
        string="Statement Link",
        compute="_compute_payment_link_statement_id",
        store=True,
        index="btree_not_null",
        help="The latest statement link sent for this invoice (with others of the customer).",
    )
    payment_link_statement_state = fields.Selection(
        related="payment_link_statement_id.payment_link_state",
        string="Statement Link State",
    )

    @api.depends("payment_link_statement_ids.state")
    def _compute_payment_link_statement_id(self):
        for move in self:
            sent = move.payment_link_statement_ids.filtered(lambda st: st.state != "draft")
            move.payment_link_statement_id = max(sent.ids, default=False)

    def action_send_statement_payment_link(self):
        """Send one statement link for the selected invoices (one customer, company and
        currency): the composer of the new statement (channel, recipient, preview).

        :raise UserError: When the invoices cannot make one statement (see
                          ``res.partner.send_statement_payment_link``).
        """
        Statement = self.env["payment.link.statement"]
        Statement._paylink_check_caller("create")
        self.check_access("read")
        partner = self.commercial_partner_id[:1]
        values = Statement._statement_prepare_values(partner, self)
        return Statement.create(values).action_send_payment_link()

    def _payment_link_statements(self):
        """The statements still asking any of these invoices."""
        if not self.ids:
            return self.env["payment.link.statement"]
        return self.env["payment.link.statement"].sudo().search([("invoice_ids", "in", self.ids)])

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self._payment_link_statements()._statement_refresh()
        return res

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals:
            # Reset to draft or cancelled elsewhere: the invoice leaves its statements.
            self._payment_link_statements()._statement_refresh()
        return res
