# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

import psycopg2

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.payment_link_sms import utils

_logger = logging.getLogger(__name__)


class PaymentLinkMixin(models.AbstractModel):
    """Charging a customer's saved card (card on file) from a document.

    The generic part of the charge lives here; a document type supplies the engine's contract
    hooks (amount due, refusal, transaction values), declares that its documents may be charged
    (``_payment_link_charge_allowed``: no document type may by default) and, when charging asks
    more than sending a link, ``_payment_link_charge_refusal`` (both declared in the engine's
    contract, so that a bridge sets its policy without depending on this addon). Charging is a
    billing action: only billing users (``account.group_account_invoice``) charge, on documents
    they may change.
    """

    _inherit = "payment.link.mixin"

    payment_link_can_charge = fields.Boolean(
        string="Can Charge A Card On File",
        compute="_compute_payment_link_can_charge",
        help="The document can be paid now and its customer has a card that can be charged.",
    )

    def _compute_payment_link_can_charge(self):
        for document in self:
            document.payment_link_can_charge = bool(
                document.id
                and document._payment_link_charge_allowed()
                and document.env.user.has_group("account.group_account_invoice")
                and not document._payment_link_charge_refusal()
                and document._payment_link_charge_cards()
            )

    # === PUBLIC API === #

    def charge_card_on_file(self, token_id=None, amount=None):
        """Charge a card saved by the customer, off-session, through Odoo's payment flow.

        :param int token_id: The card (``payment.token``) to charge; default: the customer's
                             default card in the document's company.
        :param amount: What to charge (default: the amount due); at most the amount due.
        :return: ``{'state', 'message', 'transaction_id', 'link_id'}`` with ``state`` one of
                 'paid', 'pending', 'declined', 'authentication_required'; ``link_id`` is the
                 charge's record (a ``payment.link`` of kind 'card_on_file', whose events are
                 its audit trail); with 'authentication_required', ``pay_link_id`` is the pay
                 link sent to the customer (False when none could be sent).
        :raise UserError: When the charge is refused (nothing is created): no active consent,
                          a card of another customer or company, an amount not positive or above
                          what is due, a document that cannot be paid, a charge under way.
        """
        self.ensure_one()
        self._payment_link_check_charge_rights()
        self._payment_link_lock_for_charge()
        token = self._payment_link_charge_token(token_id)
        amount = self._payment_link_charge_amount(amount)
        link = self._payment_link_create_charge_link(token, amount)
        transaction = self._payment_link_create_charge_transaction(link, token, amount)
        return link._card_on_file_send_request(transaction)

    def action_charge_card_on_file(self):
        """Open the wizard charging a card on file of the document's customer."""
        self.ensure_one()
        self._payment_link_check_charge_rights()
        refusal = self._payment_link_charge_refusal()
        if refusal:
            raise UserError(refusal)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Charge card on file"),
            "res_model": "payment.link.charge",
            "view_mode": "form",
            "target": "new",
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    # === BUSINESS METHODS === #

    def _payment_link_check_charge_rights(self):
        """Charging a card on file is a billing action, checked first (before any sudo
        helper): on a document type that declares a charge policy, by a billing user
        (``account.group_account_invoice``) who may change the documents of ``self``.

        :raise AccessError: When the caller may not charge these documents.
        """
        if not self._payment_link_charge_allowed():
            raise AccessError(
                self.env._(
                    "A card on file cannot be charged for a %s.",
                    self.env["ir.model"]._get(self._name).name,
                )
            )
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only billing users may charge a card on file."))
        self._paylink_check_caller()

    def _payment_link_charge_cards(self):
        """The active cards of the document's customer (commercial partner) in its company
        that may be charged now (consented, when the company requires it)."""
        self.ensure_one()
        partner = self._payment_link_partner().commercial_partner_id
        domain = [
            ("partner_id", "child_of", partner.id),
            ("company_id", "=", self.company_id.id),
            ("provider_id.state", "in", self._payment_link_charge_provider_states()),
        ]
        if self.company_id.payment_consent_required:
            domain.append(("consent_state", "=", "active"))
        return self.env["payment.token"].sudo().search(domain, order="is_default desc, id desc")

    def _payment_link_charge_token(self, token_id):
        """The card to charge, checked: the customer's, the company's, consented.

        :raise UserError: When it cannot be charged for this document.
        """
        Token = self.env["payment.token"].sudo().with_context(active_test=False)
        partner = self._payment_link_partner().commercial_partner_id
        if token_id:
            token = Token.browse(int(token_id)).exists()
            if not token or not token.active:
                raise UserError(self.env._("This card does not exist or was removed."))
        else:
            token = self._payment_link_charge_default_card()
        if token.partner_id.commercial_partner_id != partner:
            raise UserError(
                self.env._(
                    "This card belongs to another customer than %(customer)s.",
                    customer=partner.display_name,
                )
            )
        if token.company_id != self.company_id:
            raise UserError(self.env._("This card belongs to another company."))
        if token.provider_id.state not in self._payment_link_charge_provider_states():
            raise UserError(
                self.env._(
                    "The card %(card)s was saved with %(provider)s, which is in test mode or "
                    "disabled: it cannot pay a document (see Accept Test Payments on Links).",
                    card=token.display_name,
                    provider=token.provider_id.name,
                )
            )
        token._payment_link_check_consent(self.company_id)
        return token

    def _payment_link_charge_default_card(self):
        """The card charged when none is named: the customer's default card, else their only
        card that can be charged.

        :raise UserError: When the customer has no such card, or several and no default one
                          (the refusal lists them, each with its id: ``#12``).
        """
        partner = self._payment_link_partner().commercial_partner_id
        cards = self._payment_link_charge_cards()
        token = cards.filtered("is_default")[:1] or (cards if len(cards) == 1 else cards.browse())
        if token:
            return token
        if not cards:
            raise UserError(self.env._("%s has no card that can be charged.", partner.display_name))
        raise UserError(
            self.env._(
                "%(customer)s has several cards that can be charged and none is the default: "
                "name the card to charge (%(cards)s).",
                customer=partner.display_name,
                cards=", ".join(f"{card.display_name} #{card.id}" for card in cards),
            )
        )

    def _payment_link_charge_provider_states(self):
        """The states of the providers whose cards may be charged for this document: enabled,
        and test only when the company accepts test payments on links (a test card would mark
        a real document paid)."""
        self.ensure_one()
        if self.company_id.sudo().payment_link_allow_test_providers:
            return ("enabled", "test")
        return ("enabled",)

    def _payment_link_charge_amount(self, amount):
        """What to charge: ``amount`` (default: the amount due), positive and at most due.

        :raise UserError: When the document cannot be paid, or the amount is not acceptable.
        """
        refusal = self._payment_link_charge_refusal()
        if refusal:
            raise UserError(refusal)
        currency = self.currency_id
        due = self._payment_link_amount_due()
        asked = due if amount is None or amount is False or amount == "" else None
        if asked is None:
            asked = utils.parse_amount(amount)
        if asked is None:
            raise UserError(self.env._("This amount is not valid: %s", amount))
        asked = currency.round(asked)
        if currency.compare_amounts(asked, 0) <= 0:
            raise UserError(self.env._("The amount to charge must be positive."))
        if currency.compare_amounts(asked, due) > 0:
            raise UserError(
                self.env._(
                    "%(amount)s is more than what is due on %(document)s (%(due)s).",
                    amount=currency.format(asked),
                    document=self.display_name,
                    due=currency.format(due),
                )
            )
        return asked

    def _payment_link_lock_for_charge(self):
        """One charge of the document at a time: two clicks, two users or two API calls.

        As ``payment.link._lock_for_payment`` does for a link: the document's row is locked
        without waiting (a concurrent charge is refused at once), and written, so that under
        REPEATABLE READ a request whose snapshot predates a charge committed meanwhile fails
        with a serialization error (Odoo retries it, and the retry sees the charge). A charge
        still pending at the provider blocks a new one.

        :raise UserError: When another charge of the document is under way.
        """
        self.ensure_one()
        table = self._table
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    f'SELECT id FROM "{table}" WHERE id = %s FOR UPDATE NOWAIT',
                    [self.id],
                )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(self._payment_link_charge_busy_message()) from None
        self.env.cr.execute(
            f'UPDATE "{table}" SET write_date = write_date WHERE id = %s',
            [self.id],
        )
        self.invalidate_recordset()
        pending = (
            self.sudo()
            .payment_link_ids.filtered(lambda link: link.kind == "card_on_file")
            .transaction_ids.filtered(lambda tx: tx.state in ("pending", "authorized"))
        )
        if pending:
            raise UserError(self._payment_link_charge_busy_message())

    def _payment_link_charge_busy_message(self):
        return self.env._(
            "A charge of %s is already in progress: wait for its result before charging again.",
            self.display_name,
        )

    def _payment_link_create_charge_link(self, token, amount):
        """The record of the charge: a link of kind 'card_on_file', without token (it is never
        sent nor opened), on the card's channel (where a pay link goes if the bank asks the
        customer to authenticate)."""
        partner = self._payment_link_partner()
        channel = token._payment_link_fallback_channel(self._payment_link_contact())
        plan = {
            "document": self,
            "partner": partner,
            "company": self.company_id,
            "phone": self._paylink_default_phone() or False,
            "email": self._paylink_default_email() or False,
        }
        Link = self.env["payment.link"]
        values = self.env["payment.link.send.service"]._prepare_link_values(
            plan, channel, utils.generate_token(), fields.Datetime.now()
        )
        values.update(kind="card_on_file", token_hash=False, token_hint=False, amount=amount)
        link = Link.sudo().create(values)
        link._log_events(
            "created",
            reason=link._with_company_lang().env._(
                "Charge of %(amount)s on the card %(card)s",
                amount=link.currency_id.format(amount),
                card=token.display_name,
            ),
        )
        return link

    def _payment_link_create_charge_transaction(self, link, token, amount):
        """The off-session transaction of the charge (operation 'offline', by token), tied to
        the document as a link payment is."""
        Transaction = self.env["payment.transaction"].sudo()
        document_values = self._payment_link_transaction_values()
        provider = token.provider_id
        return Transaction.create(
            {
                "provider_id": provider.id,
                "payment_method_id": token.payment_method_id.id,
                "reference": Transaction._compute_reference(provider.code, **document_values),
                "amount": amount,
                "currency_id": self.currency_id.id,
                "partner_id": self._payment_link_partner().id,
                "token_id": token.id,
                "operation": "offline",
                "payment_link_id": link.id,
                **document_values,
            }
        )
