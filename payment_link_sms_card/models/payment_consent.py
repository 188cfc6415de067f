# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import const

_logger = logging.getLogger(__name__)


class PaymentConsent(models.Model):
    """The customer's consent to charge a saved card (a ``payment.token``) later, as evidence:
    the exact text shown or read, its version, when, who recorded it and how.

    Append-only, like ``payment.link.event``: a consent is never changed nor deleted; the only
    change is its revocation (:meth:`action_revoke`), which also archives the card.
    """

    _name = "payment.consent"
    _description = "Payment Card Consent"
    _order = "id desc"
    _rec_name = "token_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    token_id = fields.Many2one(
        comodel_name="payment.token",
        string="Saved Card",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        context={"active_test": False},
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    method = fields.Selection(
        selection=const.CONSENT_METHODS,
        string="Given",
        required=True,
        readonly=True,
        help="How the customer gave the consent: in person or on the phone (recorded by a "
        "staff member), or online (ticked on the payment page).",
    )
    consent_text = fields.Text(
        string="Consent Text",
        required=True,
        readonly=True,
        help="The exact text shown to the customer or read to them.",
    )
    consent_version = fields.Integer(
        string="Text Version",
        readonly=True,
        help="The version of the company's consent text (a new version on each change).",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Recorded By",
        readonly=True,
        help="The staff member who recorded the consent; empty when the customer gave it online.",
    )
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    state = fields.Selection(
        selection=const.CONSENT_STATES,
        default="active",
        required=True,
        readonly=True,
        index=True,
    )
    revoked_date = fields.Datetime(readonly=True)
    revoked_by_id = fields.Many2one(comodel_name="res.users", string="Revoked By", readonly=True)

    # === CRUD === #

    @api.model_create_multi
    def create(self, vals_list):
        Token = self.env["payment.token"].with_context(active_test=False)
        for vals in vals_list:
            token = Token.browse(vals.get("token_id")).exists()
            if not token:
                raise UserError(self.env._("A consent is recorded for a saved card."))
            company = token.company_id
            if not self.env.su:
                self._check_staff_consent(token, vals)
                # Who recorded it is the user; no online evidence can be typed in.
                vals.update(user_id=self.env.uid, ip_address=False, user_agent=False)
            text = vals.get("consent_text") or company._payment_consent_text(token.partner_id.lang)
            vals.update(
                {
                    "partner_id": token.partner_id.id,
                    "company_id": company.id,
                    "consent_text": text,
                    "consent_version": vals.get("consent_version")
                    or company.payment_consent_version,
                    "state": "active",
                    "revoked_date": False,
                    "revoked_by_id": False,
                    "user_agent": (vals.get("user_agent") or "")[: const.USER_AGENT_MAX_LENGTH]
                    or False,
                }
            )
        return super().create(vals_list)

    @api.model
    def _check_staff_consent(self, token, vals):
        """A staff member records a consent given in person or on the phone, for a card of a
        company they work in."""
        # Only billing users create consents at all (ir.model.access).
        if vals.get("method") not in const.STAFF_CONSENT_METHODS:
            raise UserError(
                self.env._(
                    "A consent recorded by a staff member was given in person or on the phone."
                )
            )
        if token.company_id not in self.env.companies:
            raise AccessError(
                self.env._("This saved card belongs to a company you do not work for.")
            )
        if not token.active:
            raise UserError(self.env._("This card was removed: no consent can be recorded for it."))

    @api.model
    def _record_from_transaction(self, transaction):
        """Record the consent given on a link's page (``payment_link_consent_values``) for the
        card that ``transaction`` saved: the ledger's one way, besides a staff member's checked
        create, to record a consent. Only for the card this very transaction saved (the
        customer's, same provider and company, no earlier transaction), once.

        :param payment.transaction transaction: A successful link transaction with its token.
        :return: The consent recorded, or an empty recordset when nothing may be recorded.
        """
        tx_sudo = transaction.sudo()
        tx_sudo.ensure_one()
        token_sudo = tx_sudo.token_id
        values = dict(tx_sudo.payment_link_consent_values or {})
        link_sudo = tx_sudo.payment_link_id
        method = values.get("method")
        refusal = False
        if not (link_sudo and token_sudo and tx_sudo.state in ("done", "authorized")):
            refusal = "not a successful link transaction with a card"
        elif tx_sudo.payment_link_consent_id or token_sudo.consent_ids.filtered(
            lambda consent: consent.state == "active"
        ):
            refusal = "a consent is already recorded"
        elif (
            not token_sudo.active
            or token_sudo.partner_id != tx_sudo.partner_id
            or token_sudo.provider_id != tx_sudo.provider_id
            or token_sudo.company_id != tx_sudo.company_id
            or token_sudo.transaction_ids.filtered(lambda tx: tx.id < tx_sudo.id)
        ):
            refusal = "the card was not saved by this transaction"
        elif method == "online":
            values["user_id"] = False
        elif method not in const.STAFF_CONSENT_METHODS or (
            method != link_sudo.save_card_consent_method
            or values.get("user_id") != link_sudo.sender_id.id
        ):
            refusal = "the consent does not match the one the sender recorded"
        if refusal:
            _logger.info("No consent recorded for transaction %s: %s.", tx_sudo.reference, refusal)
            return self.browse()
        values.pop("token_id", None)
        return self.sudo().create({**values, "token_id": token_sudo.id}).with_env(self.env)

    def write(self, vals):
        raise UserError(
            self.env._("A customer's consent is evidence: it cannot be changed, only revoked.")
        )

    def unlink(self):
        raise UserError(
            self.env._("A customer's consent is evidence: it cannot be deleted, only revoked.")
        )

    # === ACTIONS (public API) === #

    def action_revoke(self):
        """Revoke the consents of ``self`` (the customer withdrew it): their cards are archived
        and can no longer be charged.

        :return: True
        """
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only billing users may revoke a customer's consent."))
        self.check_access("read")
        active = self.filtered(lambda consent: consent.state == "active")
        if active:
            # The only change a consent knows: past the write override that refuses the others.
            super(PaymentConsent, active.sudo()).write(
                {
                    "state": "revoked",
                    "revoked_date": fields.Datetime.now(),
                    "revoked_by_id": self.env.uid,
                }
            )
        tokens = self.token_id.filtered("active")
        if tokens:
            tokens.sudo().action_archive()
        return True
