# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from odoo.addons.payment_link_sms.tests.common import PaymentLinkCommon


def client_card(env, partner, provider):
    """A card of ``partner`` saved with the demo ``provider`` (Odoo's ``payment.token``)."""
    return (
        env["payment.token"]
        .sudo()
        .create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref("payment.payment_method_card").id,
                "partner_id": partner.id,
                "payment_details": "4242",
                "provider_ref": f"demo-{partner.id}-4242",
            }
        )
    )


class PaymentRequestCommon(PaymentLinkCommon):
    """A desk: a queue of the demo provider with one agent, a second agent in no queue, a
    manager in no queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env,
            login="desk_agent",
            name="Dana Desk",
            email="dana@yourcompany.example.com",
            groups="payment_link_sms_desk.group_payment_request_agent",
            company_id=cls.company.id,
        )
        cls.other_agent = new_test_user(
            cls.env,
            login="desk_agent_2",
            name="Otto Other",
            groups="payment_link_sms_desk.group_payment_request_agent",
            company_id=cls.company.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="desk_manager",
            name="Mia Manager",
            groups="payment_link_sms_desk.group_payment_request_manager",
            company_id=cls.company.id,
        )
        cls.queue = cls.env["payment.link.queue"].create(
            {
                "name": "Roadside",
                "company_id": cls.company.id,
                "provider_ids": [fields.Command.set(cls.demo_provider.ids)],
                "user_ids": [fields.Command.set(cls.agent.ids)],
            }
        )

    def request_values(self, **values):
        return {"partner_id": self.customer.id, "amount": 120.5, "channel": "sms", **values}

    def create_request(self, user=None, **values):
        Link = self.env["payment.link"].with_user(user or self.agent)
        with self.mock_gateways():
            answer = Link.create_payment_request(self.request_values(**values))
            self.process_outboxes()
        return answer

    def assertRefused(self, message, user=None, **values):
        """``create_payment_request`` refuses with ``message`` and creates nothing."""
        Request, Link = self.env["payment.request"].sudo(), self.env["payment.link"].sudo()
        counts = (Request.search_count([]), Link.search_count([]), len(self._new_sms_outbox()))
        with self.mock_gateways(), self.assertRaises(UserError) as caught:
            self.env["payment.link"].with_user(user or self.agent).create_payment_request(
                self.request_values(**values)
            )
        self.assertIn(message, str(caught.exception))
        self.assertEqual(
            (Request.search_count([]), Link.search_count([]), len(self._new_sms_outbox())),
            counts,
            "a refused request creates nothing",
        )
        return caught.exception

    def _new_sms_outbox(self):
        return self.env["sms.sms"].sudo().search([])
