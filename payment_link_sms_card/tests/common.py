# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from contextlib import contextmanager
from unittest.mock import patch

from odoo.addons.payment_link_sms.tests.common import PaymentLinkCommon, PayPageCommon


def load_card_terms(env):
    """The addon's translations (fr, nb, es), as the engine's fixtures load the engine's."""
    env["ir.module.module"]._load_module_terms(
        ["payment_link_sms_card"], ["fr_FR", "nb_NO", "es_ES"]
    )


def create_demo_card(env, partner, provider, last_digits, state="done", **values):
    """A card of ``partner`` saved with the demo ``provider``: its charges end in ``state``."""
    return (
        env["payment.token"]
        .sudo()
        .create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref("payment.payment_method_card").id,
                "partner_id": partner.id,
                "payment_details": last_digits,
                "provider_ref": f"demo-{partner.id}-{last_digits}",
                "demo_simulated_state": state,
                **values,
            }
        )
    )


class CardOnFileCommon(PaymentLinkCommon):
    """A customer's card saved with the demo provider, and a second company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_card_terms(cls.env)
        cls.card = cls._create_card(cls.customer, "4242")
        cls.other_company = cls.env["res.company"].create(
            {"name": "Other Garage", "country_id": cls.env.ref("base.fr").id}
        )
        cls.other_provider = cls._prepare_demo_provider(cls.other_company)

    @classmethod
    def _create_card(cls, partner, last_digits, provider=None, state="done", **values):
        return create_demo_card(
            cls.env, partner, provider or cls.demo_provider, last_digits, state=state, **values
        )

    def record_consent(self, card=None, user=None, method="phone"):
        user = user or self.billing_user
        return (
            self.env["payment.consent"]
            .with_user(user)
            .create({"token_id": (card or self.card).id, "method": method})
        )

    @contextmanager
    def demo_bank_asks_authentication(self, last_digits="3220"):
        """payment_demo has no "authentication required" answer: within this block, an
        off-session charge of a demo card whose last digits are ``last_digits`` (those of
        Stripe's test card that always asks for 3-D Secure) gets it, as a bank asking for
        3-D Secure answers (a test's simulation: nothing of it ships in the addon)."""
        Transaction = type(self.env["payment.transaction"])
        send_payment_request = Transaction._send_payment_request

        def send(tx):
            if (
                tx.provider_code == "demo"
                and tx.operation == "offline"
                and (tx.token_id.payment_details or "").endswith(last_digits)
            ):
                tx.payment_link_authentication_required = True
                tx._set_error("The bank asks the cardholder to authenticate this payment.")
                return None
            return send_payment_request(tx)

        with patch.object(Transaction, "_send_payment_request", send):
            yield


CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile"
CONSENT = "I allow Garage Dupont to keep my card and charge it for my future repairs."


class CardPageCommon(PayPageCommon):
    """The demo provider saves cards; the company's consent text is known (``consent_text``;
    None: the company keeps the one it has by default)."""

    consent_text = CONSENT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_card_terms(cls.env)
        cls.demo_provider.allow_tokenization = True
        if cls.consent_text is not None:
            cls.company.payment_consent_text = cls.consent_text
        cls.consent_version = cls.company.payment_consent_version

    def pay_demo(self, token=None, state="done", user_agent=CHROME, **params):
        """Pay from the page as the customer's browser does (its user agent), then let the demo
        provider answer ``state``."""
        response = self.url_open(
            "/pay/transaction",
            data=self._rpc_body(self.pay_payload(token=token, **params)),
            headers={"Content-Type": "application/json", "User-Agent": user_agent},
        )
        return self.demo_answers(response.json(), state)

    @staticmethod
    def _rpc_body(params):
        return json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
