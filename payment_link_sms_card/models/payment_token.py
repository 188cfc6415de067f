# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from .. import const


class PaymentToken(models.Model):
    _inherit = "payment.token"

    consent_ids = fields.One2many(
        comodel_name="payment.consent",
        inverse_name="token_id",
        string="Consents",
        readonly=True,
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    consent_state = fields.Selection(
        selection=const.TOKEN_CONSENT_STATES,
        string="Consent",
        compute="_compute_consent_state",
        store=True,
        compute_sudo=True,
        help="Active: the customer's consent to charge this card is recorded and not revoked. "
        "Revoked: it was withdrawn. None: no consent was recorded.",
    )
    is_default = fields.Boolean(
        string="Default Card",
        copy=False,
        help="The card charged by default for this customer in this company (one at most).",
    )
    payment_link_channel = fields.Selection(
        selection=const.CHANNELS,
        string="Saved Through",
        readonly=True,
        help="The channel of the link through which the customer saved the card (a card "
        "request or a paid link): a pay link asking the customer to authenticate a charge "
        "goes there.",
    )
    expiry_label = fields.Char(
        string="Expires",
        compute="_compute_expiry_label",
        help="The card's expiry, where the provider gives it.",
    )

    @api.depends("consent_ids.state")
    def _compute_consent_state(self):
        for token in self:
            states = set(token.consent_ids.mapped("state"))
            token.consent_state = (
                "active" if "active" in states else "revoked" if states else "none"
            )

    def _compute_expiry_label(self):
        # Odoo's token keeps no expiry; a provider bridge that knows it overrides this.
        for token in self:
            token.expiry_label = token._payment_link_expiry_label()

    def _payment_link_expiry_label(self):
        """The card's expiry as the provider gives it ("MM/YY"), or False."""
        self.ensure_one()
        return False

    @api.model
    def _get_available_tokens(self, *args, **kwargs):
        """A bearer link is not a login: a visitor who is not logged in (holding an invoice's
        portal link, a payment link) is offered no saved card, on Odoo's pages as on ours (the
        payment side: controllers/payment_token.py)."""
        tokens = super()._get_available_tokens(*args, **kwargs)
        if request and request.env.user._is_public():
            return tokens.browse()
        return tokens

    @api.depends("payment_details", "create_date", "payment_method_id")
    def _compute_display_name(self):
        # A card is named by its brand and last 4 digits, whatever the provider stored (Odoo's
        # own _build_display_name, used by the payment form, is left as Odoo tests it).
        for token in self:
            if token.payment_details and token.create_date:
                token.display_name = token._payment_link_card_name()
            else:
                super(PaymentToken, token)._compute_display_name()

    def _payment_link_card_name(self):
        """The card in words: its brand (the payment method, "Visa", or "Card" when the
        provider gives no brand) and its last 4 digits: "Visa •••• 4242"."""
        self.ensure_one()
        return self.env._(
            "%(brand)s •••• %(digits)s",
            brand=self.payment_method_id.name or self.provider_id.name,
            digits=(self.payment_details or "")[-4:],
        )

    @api.model
    def _payment_link_stored_details(self, details):
        """What is kept of the payment details a provider gives: of a whole card number (the
        Demo provider keeps what was typed, spaces included), its last 4 digits only."""
        if not details or not isinstance(details, str):
            return details
        digits = re.sub(r"[\s-]", "", details)
        if digits.isdigit() and len(digits) >= const.CARD_NUMBER_MIN_DIGITS:
            return digits[-4:]
        return details

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("payment_details"):
                vals["payment_details"] = self._payment_link_stored_details(vals["payment_details"])
        tokens = super().create(vals_list)
        tokens.filtered("is_default")._payment_link_unset_other_defaults()
        tokens.filtered(lambda token: not token.is_default)._payment_link_default_if_first()
        return tokens

    def write(self, vals):
        if vals.get("payment_details"):
            vals = {
                **vals,
                "payment_details": self._payment_link_stored_details(vals["payment_details"]),
            }
        res = super().write(vals)
        if vals.get("is_default"):
            self._payment_link_unset_other_defaults()
        if "active" in vals and not vals["active"]:
            # A removed card is no longer the default, and its consent ends with it.
            if self.filtered("is_default"):
                super().write({"is_default": False})
            self.sudo().consent_ids.filtered(
                lambda consent: consent.state == "active"
            ).action_revoke()
        return res

    def action_set_default(self):
        """Make this card the customer's default one in its company (the others are unset).

        :return: True
        """
        self.ensure_one()
        self._payment_link_check_card_rights()
        self.sudo().is_default = True
        return True

    def action_payment_link_remove(self):
        """Remove the card ("Remove" on the customer's Payment cards tab): it is archived and
        its consent revoked; it can no longer be charged.

        :return: True
        """
        self._payment_link_check_card_rights()
        self.sudo().action_archive()
        return True

    def _payment_link_check_card_rights(self):
        """Billing users manage the saved cards of the companies they work in."""
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only billing users may manage a customer's cards."))
        self.check_access("read")

    def _payment_link_default_if_first(self):
        """A customer's first saved card (in a company: they have no other card there)
        becomes their default card."""
        for token in self.filtered("active"):
            if not token._payment_link_other_cards():
                super(PaymentToken, token).write({"is_default": True})

    def _payment_link_other_cards(self):
        """The other active cards of the card's customer (commercial partner) in its
        company."""
        self.ensure_one()
        return (
            self.sudo()
            .search(
                [
                    ("id", "!=", self.id),
                    ("company_id", "=", self.company_id.id),
                    ("partner_id", "child_of", self.partner_id.commercial_partner_id.id),
                ]
            )
            .with_env(self.env)
        )

    def _payment_link_unset_other_defaults(self):
        """One default card per customer (commercial partner) and company."""
        for token in self:
            others = (
                self.sudo()
                .with_context(active_test=False)
                .search(
                    [
                        ("id", "!=", token.id),
                        ("is_default", "=", True),
                        ("company_id", "=", token.company_id.id),
                        (
                            "partner_id",
                            "child_of",
                            token.partner_id.commercial_partner_id.id,
                        ),
                    ]
                )
            )
            if others:
                super(PaymentToken, others).write({"is_default": False})

    def _payment_link_check_consent(self, company):
        """Refuse to charge this card without the customer's active consent, when ``company``
        requires it.

        :raise UserError: When the consent is required and not active.
        """
        self.ensure_one()
        if not company.payment_consent_required or self.sudo().consent_state == "active":
            return
        if self.sudo().consent_state == "revoked":
            reason = self.env._("the customer's consent to charge it was revoked")
        else:
            reason = self.env._("no consent of the customer to charge it is recorded")
        raise UserError(
            self.env._(
                "The card %(card)s cannot be charged: %(reason)s. Record the customer's consent "
                "first (or ask the customer to save the card again).",
                card=self.sudo().display_name,
                reason=reason,
            )
        )

    def _payment_link_fallback_channel(self, contact):
        """Where a pay link goes when a charge of this card needs the customer: the channel the
        card was saved through, else SMS to a mobile number, else email."""
        self.ensure_one()
        if self.payment_link_channel:
            return self.payment_link_channel
        return "sms" if contact.mobile else "email"

    def action_payment_link_record_consent(self):
        """Open the form recording the customer's consent (given in person or on the phone) to
        charge this card, with the text to read to them."""
        self.ensure_one()
        self._payment_link_check_card_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record the customer's consent"),
            "res_model": "payment.consent",
            "view_mode": "form",
            "views": [
                (self.env.ref("payment_link_sms_card.payment_consent_view_form_record").id, "form")
            ],
            "target": "new",
            "context": {
                "default_token_id": self.id,
                "default_method": "phone",
                "default_consent_text": self.company_id._payment_consent_text(self.partner_id.lang),
            },
        }
