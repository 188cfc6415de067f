# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import json
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable
from odoo.addons.bus.tests.common import WebsocketCase

from .. import const, utils
from .common import CustomerPaysMeanwhile, ProgressCommon


@tagged("post_install", "-at_install")
class TestLiveProgress(ProgressCommon):
    def test_each_step_is_a_bus_notification_to_the_link_and_its_document(self):
        self.env["payment.link.event"]._update_delivery(self.link, "sms", "delivered")
        self.signal_opened(user_agent="Mozilla/5.0 (iPhone) Test")
        for step in const.PAGE_STEPS:
            self.assertEqual(self.step(step), {})
        self.pay(state="error")
        self.pay(state="done")
        expected = [
            "sent",
            "delivered",
            "opened",
            *const.PAGE_STEPS,
            "payment_started",
            "payment_failed",
            "payment_started",
            "paid",
        ]
        for record in (self.link, self.invoice):
            with self.subTest(record=record._name):
                steps = [payload["event_type"] for payload in self.progress_notifications(record)]
                # The link was sent in the transaction that created it: no one could listen
                # to its own channel yet, its 'sent' goes to its document's only.
                self.assertEqual(steps, expected[1:] if record == self.link else expected)
        payload = self.progress_notifications(self.invoice)[-1]
        paid = self.events("paid")
        self.assertEqual(
            payload,
            {
                "link_id": self.link.id,
                "res_model": "account.move",
                "res_id": self.invoice.id,
                "event_id": paid.id,
                "event_type": "paid",
            },
            "the notification names the step only",
        )
        # Each page step is an audit event, by the public user, with nothing else stored.
        for event in self.events(*const.PAGE_STEPS):
            self.assertEqual(event.user_id, self.env.ref("base.public_user"))
            self.assertFalse(event.reason or event.message or event.recipient)

    def test_an_event_rolled_back_is_not_announced(self):
        """The progress sent at the commit names only the events that were kept: one rolled
        back with its savepoint is not announced (checked by a query: it left the cache)."""
        self.assertEqual(self.link.state, "sent")
        self.progress_notifications(self.link)  # what the send announced
        Bus = self.env["bus.bus"].sudo()
        before = Bus.search_count([])
        with contextlib.suppress(UserError), self.env.cr.savepoint():
            self.link._log_events("opened", user_agent="rolled back")
            raise UserError("undone")
        self.link._log_events("delivered", channel="sms")
        steps = [payload["event_type"] for payload in self.progress_notifications(self.link)]
        self.assertEqual(steps[-1], "delivered")
        self.assertNotIn("opened", steps)
        self.assertEqual(Bus.search_count([]), before + 2, "the link's and the invoice's")

    def test_the_progress_route_refuses_with_a_message_and_stores_nothing(self):
        before = len(self.link.event_ids)
        self.jsonrpc_refused(
            "/pay/progress",
            {"access_token": "not-a-token", "step": "method_chosen"},
            "This payment link is not valid.",
        )
        for step in ("card_number", "4242424242424242", "", None, "paid", "opened"):
            with self.subTest(step=step):
                self.jsonrpc_refused(
                    "/pay/progress",
                    {"access_token": self.token, "step": step},
                    "This step is not known.",
                )
        self.assertEqual(len(self.link.event_ids), before)
        # Nothing announced (the link's 'sent' went to its document only: it was created in
        # this transaction).
        self.assertEqual(
            [payload["event_type"] for payload in self.progress_notifications(self.link)], []
        )
        self.assertEqual(
            [payload["event_type"] for payload in self.progress_notifications(self.invoice)],
            ["sent"],
        )
        # Anything but the token and the step name is dropped by the route, never stored.
        self.make_jsonrpc_request(
            "/pay/progress",
            {"access_token": self.token, "step": "details_entering", "card": "4242424242424242"},
        )
        event = self.events("details_entering")
        self.assertEqual(len(event), 1)
        values = event.read()[0]
        self.assertNotIn("4242", repr(values))

    def test_the_progress_route_is_rate_limited_per_link(self):
        with patch.object(const, "PAGE_STEP_LIMIT", 4):
            for step in ("method_chosen", "details_entering") * 2:
                self.step(step)
            self.jsonrpc_refused(
                "/pay/progress",
                {"access_token": self.token, "step": "page_left"},
                "Too many attempts: please wait a few minutes.",
            )
        self.assertFalse(self.events("page_left"))

    def test_a_page_cannot_flood_the_log(self):
        for _i in range(3):
            self.step("details_entering")
        self.assertEqual(len(self.events("details_entering")), 1, "the same step in a row once")
        with patch.object(const, "PAGE_STEP_EVENTS_PER_WINDOW", 5):
            for step in ("page_left", "page_back") * 5:
                self.step(step)
        self.assertEqual(len(self.events(*const.PAGE_STEPS)), 5)

    def test_no_step_on_a_paid_or_closed_link(self):
        self.pay(state="done")
        self.step("page_left")
        self.assertFalse(self.events("page_left"))

    def test_a_failure_says_why_in_plain_words_and_what_to_tell_the_customer(self):
        tx = self.pay(state="error")
        failed = self.events("payment_failed")
        self.assertEqual(failed.failure_kind, "other")
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.demo_provider.id,
                "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
                "amount": self.link.amount,
                "currency_id": self.link.currency_id.id,
                "partner_id": self.customer.id,
                "payment_link_id": self.link.id,
                "reference": "LIVE-CVC",
            }
        )
        tx._set_error("Your card's security code is incorrect.")
        progress = self.env["payment.link"].get_payment_link_progress(
            "account.move", self.invoice.id
        )
        current = progress["current"]
        self.assertEqual(current["event_type"], "payment_failed")
        self.assertEqual(current["failure_kind"], "incorrect_cvc")
        self.assertEqual(current["failure_label"], "Wrong security code (CVC)")
        self.assertIn("3 digits on the back", " ".join(current["checklist"]))
        self.assertEqual(current["reason"], "Your card's security code is incorrect.")

    def test_failure_kinds_from_codes_and_messages(self):
        # (A provider's codes: its bridge, e.g. payment_link_sms_stripe's TestStripeLiveProgress.)
        cases = {
            "Your card was declined.": "declined",
            "Your card has insufficient funds.": "insufficient_funds",
            "Your card has expired.": "expired_card",
            "Your card's security code is incorrect.": "incorrect_cvc",
            "We are unable to authenticate your payment method.": "authentication_failed",
            "You selected the following demo payment status: Error": "other",
            None: "other",
        }
        for message, kind in cases.items():
            with self.subTest(message=message):
                self.assertEqual(utils.failure_kind(message), kind)
        self.assertEqual(
            utils.failure_kind("Canceled by the customer", cancelled=True), "cancelled"
        )

    def test_refund_results_appear_live(self):
        tx = self.pay(state="done")
        tx.action_refund(amount_to_refund=100.0)
        refund = tx.child_transaction_ids
        self.assertEqual(refund.state, "done")
        self.env.cr.precommit.run()  # what the commit runs: the refund's result is recorded
        refunded = self.events("refunded")
        self.assertEqual(refunded.transaction_id, refund)
        steps = [payload["event_type"] for payload in self.progress_notifications(self.invoice)]
        self.assertEqual(steps[-1], "refunded")
        failing = tx._create_child_transaction(50.0, is_refund=True)
        failing._set_error("The refund did not go through.")
        self.env.cr.precommit.run()
        self.assertEqual(self.events("refund_failed").transaction_id, failing)
        steps = [payload["event_type"] for payload in self.progress_notifications(self.link)]
        self.assertEqual(steps[-1], "refund_failed")
        failing._set_error("again")
        self.env.cr.precommit.run()
        self.assertEqual(len(self.events("refund_failed")), 1, "one result per refund")
        self.assertEqual(refunded.company_id, self.company)

    def test_a_refund_recorded_by_its_flow_is_not_recorded_twice(self):
        """A payment made twice is refunded by the link's own flow, which records the refund
        with its reason: the refund's result is not recorded a second time."""
        tx = self.pay(state="done")
        refund = tx._send_refund_request(amount_to_refund=10.0)
        self.link._log_events("refunded", transaction_id=refund.id, reason="asked by the agent")
        self.env.cr.precommit.run()
        refunded = self.events("refunded")
        self.assertEqual(len(refunded), 1)
        self.assertEqual(refunded.reason, "asked by the agent")


@tagged("post_install", "-at_install")
class TestLiveProgressRights(ProgressCommon, WebsocketCase):
    """Only the users who may read the link or its document get its progress."""

    @staticmethod
    def names(*records):
        return [f"{const.PROGRESS_CHANNEL_PREFIX}{r._name}:{r.id}" for r in records]

    def subscribed(self, user, *records):
        return (
            self.env["payment.link.progress"]
            .with_user(user)
            ._progress_channels(self.names(*records))
        )

    def make_outsider(self):
        other = self.setup_other_company(name="Other Towing Co")["company"]
        return new_test_user(
            self.env,
            login="outsider",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=[other.id],
        )

    def test_through_the_websocket_only_the_reader_receives_the_step(self):
        """Two agents' browsers ask for the same link's progress over Odoo's websocket: the
        one of the link's company receives each step, the other company's is not subscribed."""
        outsider = self.make_outsider()
        sockets = {}
        for login in ("billing_user", "outsider"):
            self.session = None  # two agents: the first one's session stays open
            session = self.authenticate(login, login)
            sockets[login] = self.websocket_connect(cookie=f"session_id={session.sid};")
            self.subscribe(
                sockets[login],
                self.names(self.link, self.invoice),
                self.env["bus.bus"].sudo()._bus_last_id(),
            )
        for record in (self.link, self.invoice):
            channel = hashable(
                channel_with_db(self.registry.db_name, (record, const.PROGRESS_SUBCHANNEL))
            )
            self.assertEqual(len(dispatch._channels_to_ws.get(channel, ())), 1, record._name)
        self.link._log_page_step("method_chosen")
        # Something for the outsider's own channel: its socket is alive and reads its own.
        self.env["bus.bus"].sudo()._sendone(outsider.partner_id, "test.ping", {})
        self.trigger_notification_dispatching(
            [(self.invoice, const.PROGRESS_SUBCHANNEL), outsider.partner_id]
        )

        def received(login):
            return [
                (item["message"]["type"], item["message"]["payload"].get("event_type"))
                for item in json.loads(sockets[login].recv())
            ]

        self.assertEqual(
            received("billing_user"),
            [(const.PROGRESS_NOTIFICATION, "method_chosen")] * 2,  # the link's, the invoice's
        )
        self.assertEqual(received("outsider"), [("test.ping", None)])

    def test_a_reader_is_subscribed_to_the_records_progress(self):
        channels = self.subscribed(self.billing_user, self.link, self.invoice)
        self.assertEqual(
            channels,
            [(self.link, const.PROGRESS_SUBCHANNEL), (self.invoice, const.PROGRESS_SUBCHANNEL)],
        )
        progress = (
            self.env["payment.link"]
            .with_user(self.billing_user)
            .get_payment_link_progress("payment.link", self.link.id)
        )
        self.assertEqual(progress["current"]["event_type"], "sent")

    def test_a_user_of_another_company_gets_nothing(self):
        outsider = self.make_outsider()
        self.assertEqual(self.subscribed(outsider, self.link, self.invoice), [])
        progress = self.env["payment.link"].with_user(outsider)
        self.assertEqual(progress.get_payment_link_progress("payment.link", self.link.id), {})
        self.assertEqual(progress.get_payment_link_progress("account.move", self.invoice.id), {})

    def test_a_user_without_the_right_or_the_public_gets_nothing(self):
        internal = new_test_user(
            self.env, login="no_billing", groups="base.group_user", company_id=self.company.id
        )
        for user in (internal, self.env.ref("base.public_user").sudo()):
            with self.subTest(user=user.login):
                self.assertEqual(self.subscribed(user, self.link, self.invoice), [])
                self.assertEqual(
                    self.env["payment.link"]
                    .with_user(user)
                    .get_payment_link_progress("payment.link", self.link.id),
                    {},
                )

    def test_a_reader_of_the_document_without_the_payment_link_rights_gets_nothing(self):
        """Reading the invoice is not enough: the progress is the links' (their right)."""
        readers = self.env["res.groups"].create({"name": "Invoice readers only"})
        self.env["ir.model.access"].create(
            {
                "name": "invoice readers",
                "model_id": self.env.ref("account.model_account_move").id,
                "group_id": readers.id,
                "perm_read": True,
            }
        )
        reader = new_test_user(
            self.env, login="invoice_reader", groups="base.group_user", company_id=self.company.id
        )
        reader.groups_id |= readers
        self.assertTrue(self.invoice.with_user(reader).has_access("read"))
        self.assertEqual(self.subscribed(reader, self.invoice), [])
        self.assertEqual(
            self.env["payment.link"]
            .with_user(reader)
            .get_payment_link_progress("account.move", self.invoice.id),
            {},
        )

    def test_only_models_of_payment_links(self):
        admin = self.env.ref("base.user_admin")
        self.assertEqual(self.subscribed(admin, self.customer), [])
        self.assertEqual(
            self.env["payment.link.progress"]
            .with_user(admin)
            ._progress_channels(
                [f"{const.PROGRESS_CHANNEL_PREFIX}no.such.model:1", "payment_link_sms.progress:x"]
            ),
            [],
        )


@tagged("post_install", "-at_install")
class TestLiveProgressTour(ProgressCommon, CustomerPaysMeanwhile):
    def test_the_agent_sees_the_customer_pay_live(self):
        self.start_tour_while_the_customer_pays(
            self.link,
            f"/odoo/action-payment_link_sms.action_payment_link/{self.link.id}",
            "payment_link_sms_live_progress_tour",
            "billing_user",
        )
        self.assertEqual(self.link.state, "paid")
