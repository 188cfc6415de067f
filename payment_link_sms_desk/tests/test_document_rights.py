# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rights and money on desk requests (issue 20, items 1, 2, 3 and 5)."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import PaymentRequestCommon, client_card


class DocumentRightsCommon(PaymentRequestCommon):
    """A desk request sent by its agent, a saved card of its client, and the users who
    must not touch them: a portal customer, a user of another company, an internal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create(
            {"name": "Other Garage", "country_id": cls.env.ref("base.fr").id}
        )
        cls.portal = new_test_user(
            cls.env, login="doc_portal", groups="base.group_portal", partner_id=cls.customer.id
        )
        cls.elsewhere = new_test_user(
            cls.env,
            login="doc_elsewhere",
            groups="account.group_account_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.employee = new_test_user(cls.env, login="doc_employee", groups="base.group_user")
        cls.card = client_card(cls.env, cls.customer, cls.demo_provider)

    def setUp(self):
        super().setUp()
        answer = self.create_request()
        self.request = self.env["payment.request"].browse(answer["request_id"])
        self.link = self.link_of(answer)

    def counts(self):
        return (
            self.env["payment.link"].sudo().search_count([]),
            self.env["payment.transaction"].sudo().search_count([]),
            self.env["sms.sms"].sudo().search_count([]),
        )


@tagged("post_install", "-at_install")
class TestDocumentRightsFirst(DocumentRightsCommon):
    """Item 1: a public method reads the documents as the caller before any sudo helper."""

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_strangers_cannot_cancel_a_request(self):
        for user in (self.portal, self.elsewhere, self.employee, self.other_agent):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.request.with_user(user).action_cancel()
            self.assertEqual(self.link.state, "sent")
            self.assertEqual(self.request.state, "active")
        self.request.with_user(self.agent).action_cancel()
        self.assertEqual(self.link.state, "cancelled")

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_strangers_cannot_send_expire_or_resend(self):
        before = self.counts()
        for user in (self.portal, self.elsewhere, self.employee):
            for method, args in (
                ("send_payment_link", ["sms"]),
                ("action_expire_payment_links", []),
                ("action_resend_payment_link", []),
                ("action_send_payment_link", []),
                ("action_view_payment_links", []),
            ):
                for document in (self.invoice, self.request):
                    with (
                        self.subTest(user=user.login, method=method, model=document._name),
                        self.mock_gateways(),
                        self.assertRaises(AccessError),
                    ):
                        getattr(document.with_user(user), method)(*args)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.link.state, "sent")


@tagged("post_install", "-at_install")
class TestChargePolicy(DocumentRightsCommon):
    """Item 2: a desk request declares no charge policy (``_payment_link_charge_allowed``,
    the document contract's hook): nobody charges a card on file for it, whichever addon
    charges cards (checked through its public methods when it is installed)."""

    @mute_logger("odoo.models")
    def test_agent_cannot_charge_a_card_on_a_request(self):
        self.assertFalse(self.request._payment_link_charge_allowed())
        if not hasattr(self.request, "charge_card_on_file"):
            return  # no addon charging cards on file is installed: nothing can charge it
        before = self.counts()
        for user in (self.agent, self.manager, self.billing_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.request.with_user(user).charge_card_on_file(token_id=self.card.id)
            with self.assertRaises(AccessError):
                self.request.with_user(user).action_charge_card_on_file()
            if "payment.link.charge" in self.env:
                with self.assertRaises(AccessError):
                    self.env["payment.link.charge"].with_user(user).create(
                        {"res_model": "payment.request", "res_id": self.request.id}
                    )
        self.assertEqual(self.counts(), before)
        self.assertFalse(self.request.payment_link_can_charge)


@tagged("post_install", "-at_install")
class TestRequestAmountLock(DocumentRightsCommon):
    """Item 3: a sent request's amount is locked on "a link was sent", and the computed
    fields without inverse are not writable."""

    def test_state_is_not_writable(self):
        for vals in ({"state": "draft"}, {"state": "draft", "amount": 5000.0}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                self.request.with_user(self.agent).write(vals)
        with self.assertRaises(UserError):
            self.request.with_user(self.agent).write({"payment_link_state": False})
        self.assertRecordValues(self.request, [{"state": "active", "amount": 120.5}])

    def test_amount_locked_once_sent_whatever_the_state(self):
        # Even if the stored state said draft (as writing it did before), the amount stays.
        self.env.cr.execute(
            "UPDATE payment_request SET state = 'draft' WHERE id = %s", [self.request.id]
        )
        self.request.invalidate_recordset()
        self.assertEqual(self.request.state, "draft")
        with self.assertRaisesRegex(UserError, "was sent cannot change"):
            self.request.with_user(self.agent).amount = 5000.0
        self.assertEqual(self.request.amount, 120.5)
        self.assertEqual(self.link.amount, 120.5)

    def test_draft_amount_still_editable(self):
        draft = (
            self.env["payment.request"]
            .with_user(self.agent)
            .create(
                {
                    "reference": "draft",
                    "partner_id": self.customer.id,
                    "amount": 10.0,
                    "queue_id": self.queue.id,
                }
            )
        )
        draft.amount = 12.0
        self.assertEqual(draft.amount, 12.0)


@tagged("post_install", "-at_install")
class TestDeskSendRules(DocumentRightsCommon):
    """Item 5: queue membership, capacity and channel rules on every send path."""

    def setUp(self):
        super().setUp()
        self.other_queue = self.env["payment.link.queue"].create(
            {
                "name": "Other queue",
                "provider_ids": [Command.set(self.demo_provider.ids)],
                "user_ids": [Command.set(self.other_agent.ids)],
            }
        )

    def new_request(self, reference, **values):
        return (
            self.env["payment.request"]
            .with_user(self.agent)
            .create(
                {"reference": reference, "partner_id": self.customer.id, "amount": 10.0, **values}
            )
        )

    def test_agent_cannot_move_a_request_to_a_queue_of_others(self):
        with self.assertRaisesRegex(AccessError, "not a member"):
            self.request.with_user(self.agent).queue_id = self.other_queue
        with self.assertRaisesRegex(AccessError, "not a member"):
            self.new_request("moved", queue_id=self.other_queue.id)
        self.assertEqual(self.request.queue_id, self.queue)
        # A manager moves requests between queues.
        self.request.with_user(self.manager).queue_id = self.other_queue
        self.assertEqual(self.request.queue_id, self.other_queue)

    def test_send_payment_link_follows_the_queue(self):
        before = self.counts()
        # Without a queue (the agent's own request): not sent.
        orphan = self.new_request("orphan", queue_id=False)
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "no payment queue"):
            orphan.with_user(self.agent).send_payment_link("sms")
        # The queue does not send SMS.
        self.queue.allow_sms = False
        draft = self.new_request("draft", queue_id=self.queue.id)
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "does not send"):
            draft.with_user(self.agent).send_payment_link("sms")
        self.queue.allow_sms = True
        # The queue is full (the request sent in setUp is open).
        self.queue.capacity = 1
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "is full"):
            draft.with_user(self.agent).send_payment_link("sms")
        self.assertEqual(self.counts(), before)
        # A resend of the open request does not take a new place in the queue.
        with self.mock_gateways():
            self.request.with_user(self.agent).action_resend_payment_link()
        self.assertEqual(self.link.state, "cancelled")

    def test_wizard_and_resend_follow_the_queue(self):
        self.queue.allow_sms = False
        before = self.counts()
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "does not send"):
            self.request.with_user(self.agent).action_resend_payment_link()
        composer = (
            self.env["payment.link.send"]
            .with_user(self.agent)
            .create(
                {
                    "res_model": "payment.request",
                    "res_ids": repr(self.request.ids),
                    "channel": "sms",
                }
            )
        )
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "does not send"):
            composer.action_send_replace()
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "does not send"):
            self.link.with_user(self.agent).action_resend()
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.link.state, "sent")

    def test_manager_outside_the_queue_cannot_send(self):
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "not a member"):
            self.request.with_user(self.manager).send_payment_link("sms")
        self.assertEqual(self.link.state, "sent")
