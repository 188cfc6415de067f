# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from .. import const


class PaymentLinkCharge(models.TransientModel):
    """Charge a card on file of the document's customer: pick the card, confirm the amount."""

    _name = "payment.link.charge"
    _description = "Charge Card on File"

    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Integer(string="Document ID", required=True, readonly=True)
    document_name = fields.Char(string="Document", compute="_compute_document")
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", compute="_compute_document"
    )
    company_id = fields.Many2one(comodel_name="res.company", compute="_compute_document")
    currency_id = fields.Many2one(comodel_name="res.currency", compute="_compute_document")
    amount_due = fields.Monetary(compute="_compute_document")
    card_ids = fields.Many2many(
        comodel_name="payment.token", string="Cards", compute="_compute_document"
    )
    token_id = fields.Many2one(
        comodel_name="payment.token",
        string="Card",
        compute="_compute_token_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', card_ids)]",
    )
    amount = fields.Monetary(
        string="Amount to Charge",
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="At most what is due on the document.",
    )
    result_state = fields.Selection(selection=const.CHARGE_RESULTS, string="Result", readonly=True)
    result_message = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        # The card list is read as superuser: only who may charge the document opens it.
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard._get_charged_document()
        return wizards

    def _get_charged_document(self):
        """The document to charge, once the user's right to charge it is checked.

        :raise AccessError: When the user may not charge it (or read it).
        """
        document = self._get_document()
        if not document:
            raise AccessError(self.env._("You are not allowed to charge this document."))
        document._payment_link_check_charge_rights()
        return document

    def _get_document(self):
        self.ensure_one()
        if self.res_model not in self.env["payment.link.api"]._document_models():
            return self.env["payment.link.mixin"]
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.depends("res_model", "res_id")
    def _compute_document(self):
        for wizard in self:
            document = wizard._get_document()
            wizard.document_name = document.display_name
            wizard.partner_id = document and document._payment_link_partner().commercial_partner_id
            wizard.company_id = document.company_id if document else False
            wizard.currency_id = document.currency_id if document else False
            wizard.amount_due = document._payment_link_amount_due() if document else 0.0
            wizard.card_ids = document._payment_link_charge_cards() if document else False

    @api.depends("card_ids")
    def _compute_token_id(self):
        for wizard in self:
            if wizard.token_id not in wizard.card_ids:
                wizard.token_id = wizard.card_ids[:1]  # the default card comes first

    @api.depends("amount_due")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.amount_due

    def action_charge(self):
        """Charge the card, then show the result in the wizard."""
        self.ensure_one()
        # charge_card_on_file checks the user's rights on the document first.
        answer = self._get_charged_document().charge_card_on_file(
            token_id=self.token_id.id or None, amount=self.amount
        )
        self.write({"result_state": answer["state"], "result_message": answer["message"]})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Charge card on file"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
