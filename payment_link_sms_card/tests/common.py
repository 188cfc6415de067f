# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.payment_link_sms.tests.common import PaymentLinkCommon


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
