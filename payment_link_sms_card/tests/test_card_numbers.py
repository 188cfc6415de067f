# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.payment_link_sms.tests.common import PayPageCommon

from .common import CardOnFileCommon

# A run of 13 to 19 digits, single spaces or dashes allowed between them (as a card number is
# written), standing alone: not part of a longer run of digits or letters (a hash, a token).
CARD_RUN_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z])")
# The models whose tables are scanned besides ours (those of the addons of this repository).
SCANNED_MODELS = (
    "payment.token",
    "payment.transaction",
    "mail.message",
    "mail.mail",
    "sms.sms",
    "payment.link.event",
    "res.partner",
)
# Message-Id headers, which Odoo makes of a timestamp and random digits: no one types in them.
MESSAGE_ID_COLUMNS = {"message_id", "references", "in_reply_to"}
# The full number of a test card as a customer or a clerk would type it: what the flows enter.
TYPED_CARD_NUMBER = "4242 4242 4242 4242"


def luhn_valid(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@tagged("post_install", "-at_install")
class TestNoCardNumberAtRest(CardOnFileCommon, PayPageCommon):
    """Every card-on-file flow, then every text column of our tables (and of the tokens,
    transactions, messages, SMS and link events) scanned for a Luhn-valid run of 13 to 19
    digits: none. A flow added for a new feature is a ``_flow_*`` method of this class."""

    # === What is scanned === #

    def _scanned_models(self):
        ours = (
            self.env["ir.model"]
            .browse(
                self.env["ir.model.data"]
                .search([("model", "=", "ir.model"), ("module", "like", "payment_link_sms%")])
                .mapped("res_id")
            )
            .mapped("model")
        )
        names = set(ours) | set(SCANNED_MODELS)
        return [
            self.env[name]
            for name in sorted(names)
            if name in self.env and not self.env[name]._abstract and self.env[name]._auto
        ]

    def find_card_numbers(self):
        """``[(table, column, id, run)]`` for every Luhn-valid run stored."""
        self.env.flush_all()
        found = []
        for model in self._scanned_models():
            columns = [
                field.name
                for field in model._fields.values()
                if field.store
                and field.column_type
                and field.name not in MESSAGE_ID_COLUMNS
                and field.type in ("char", "text", "html", "json", "properties")
            ]
            for column in columns:
                # PostgreSQL narrows to the rows holding 13 digits or more first.
                self.env.cr.execute(
                    SQL(
                        "SELECT id, %s::text FROM %s WHERE %s::text ~ %s",
                        SQL.identifier(column),
                        SQL.identifier(model._table),
                        SQL.identifier(column),
                        r"([0-9][ -]?){13}",
                    )
                )
                for record_id, text in self.env.cr.fetchall():
                    for match in CARD_RUN_RE.finditer(text):
                        digits = re.sub(r"[ -]", "", match.group())
                        if 13 <= len(digits) <= 19 and luhn_valid(digits):
                            found.append((model._table, column, record_id, match.group()))
        return found

    # === The flows === #

    def _flow_10_pay_by_link_with_a_typed_number(self):
        # The demo form's payment details, as a customer would type a full card number.
        answer = self.pay_rpc()
        tx = self.env["payment.transaction"].search(
            [("reference", "=", answer["result"]["reference"])]
        )
        tx._handle_notification_data(
            "demo",
            {
                "reference": tx.reference,
                "payment_details": TYPED_CARD_NUMBER,
                "simulated_state": "error",
            },
        )

    def _flow_20_staff_consent_and_default_card(self):
        self.record_consent(method="in_person")
        self.card.with_user(self.billing_user).action_set_default()

    def _flow_30_charge_paid_declined_authentication(self):
        invoice = self._create_posted_invoice(self.customer, 300.0)
        with self.mock_gateways():
            invoice.with_user(self.billing_user).charge_card_on_file(amount=100.0)
            declined = self._create_card(self.customer, "0002", state="error")
            self.record_consent(card=declined)
            invoice.with_user(self.billing_user).charge_card_on_file(token_id=declined.id)
            secure = self._create_card(self.customer, "3220")
            self.record_consent(card=secure)
            with self.demo_bank_asks_authentication():
                invoice.with_user(self.billing_user).charge_card_on_file(token_id=secure.id)
            self.process_outboxes()

    def _flow_40_wizard_and_register_payment(self):
        invoice = self._create_posted_invoice(self.customer, 80.0)
        action = invoice.with_user(self.billing_user).action_charge_card_on_file()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.billing_user)
            .with_context(action["context"])
            .create({})
        )
        with self.mock_gateways():
            wizard.action_charge()
        other = self._create_posted_invoice(self.customer, 60.0)
        register = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=other.ids)
            .create({})
        )
        line = self.demo_provider.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.demo_provider
        )
        register.write({"payment_method_line_id": line.id, "payment_token_id": self.card.id})
        register.action_create_payments()

    def _flow_90_remove_and_revoke(self):
        self.card.consent_ids.with_user(self.billing_user).action_revoke()
        for card in self.env["payment.token"].search([("partner_id", "=", self.customer.id)]):
            card.with_user(self.billing_user).action_payment_link_remove()

    # === The test === #

    def test_no_card_number_is_stored_by_any_flow(self):
        scanned = [model._name for model in self._scanned_models()]
        for name in ("payment.consent", "payment.link", "payment.token", "sms.sms"):
            self.assertIn(name, scanned)
        flows = sorted(name for name in dir(self) if name.startswith("_flow_"))
        self.assertGreaterEqual(len(flows), 5)
        for name in flows:
            getattr(self, name)()
        self.assertEqual(self.find_card_numbers(), [])

    def test_the_scan_finds_a_stored_number(self):
        """The scanner itself: a number written in an event's message is found (and a hash,
        a token or a phone number is not)."""
        self.env["payment.link.event"].sudo().create(
            [
                {
                    "link_id": self.link.id,
                    "event_type": "preview",
                    "message": "pi_3Nx0000000000000",
                },
                {"link_id": self.link.id, "event_type": "preview", "message": "+33612345678"},
                {"link_id": self.link.id, "event_type": "preview", "message": "4242424242424241"},
                {
                    "link_id": self.link.id,
                    "event_type": "preview",
                    "message": f"card {TYPED_CARD_NUMBER}.",
                },
            ]
        )
        found = self.find_card_numbers()
        self.assertEqual(
            [(table, column, run) for table, column, _id, run in found],
            [("payment_link_event", "message", TYPED_CARD_NUMBER)],
        )
