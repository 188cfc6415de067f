# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import unicodedata
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.payment_link_sms.tests.common import PayPageCommon

from .common import PaymentRequestCommon

NO_QUEUE = "No payment queues have been defined with the selected transaction type."


@tagged("post_install", "-at_install")
class TestPaymentRequestContract(PaymentRequestCommon):
    def test_create_sends_the_link_and_answers_the_contract(self):
        answer = self.create_request(reference="Dépannage A7", explanation="Towing to Lyon")
        self.assertEqual(
            set(answer),
            {"request_id", "link_id", "url", "reference", "state", "expiration_date", "error"},
        )
        request = self.env["payment.request"].browse(answer["request_id"])
        link = self.env["payment.link"].browse(answer["link_id"])
        self.assertEqual(answer["reference"], "Dépannage A7")
        self.assertEqual(answer["state"], "active")
        self.assertFalse(answer["error"])
        self.assertEqual(request.state, "active")
        self.assertEqual(request.queue_id, self.queue)  # the agent's only queue
        self.assertEqual(request.currency_id, self.company.currency_id)
        self.assertEqual(request.user_id, self.agent)
        self.assertEqual(link.payment_request_id, request)
        self.assertEqual(link.res_model, "payment.request")
        self.assertEqual(link.document_name, "Dépannage A7")
        self.assertEqual(link.amount, 120.5)
        self.assertEqual(answer["expiration_date"], fields.Datetime.to_string(link.expiration_date))
        self.assertEqual(
            [(sms["number"], answer["url"] in sms["body"]) for sms in self._sms],
            [("+33612345678", True)],
        )
        self.assertTrue(answer["url"].endswith(link.token_hint))
        # The agent sees the link's last 4 characters only.
        self.assertEqual(len(link.token_hint), 4)
        self.assertIn(f"\u2026{link.token_hint}", request.with_user(self.agent).link_hint)
        self.assertNotIn(answer["url"].rsplit("/", 1)[1], request.with_user(self.agent).link_hint)

    def test_default_reference_is_a_readable_sequence(self):
        # Issue 22 item 8: not the date and time in the agent's time zone, which the client
        # then reads in the message.
        self.agent.tz = "Europe/Paris"
        first = self.create_request()
        second = self.create_request(reference="  ")
        for answer in (first, second):
            self.assertRegex(answer["reference"], r"^REQ/20\d\d/\d{5}$")
        self.assertEqual(int(second["reference"][-5:]), int(first["reference"][-5:]) + 1)
        self.assertIn(second["reference"], self._sms[0]["body"])  # what the client reads
        # The form: numbered when saved (an opened form draws no number).
        form = Form(self.env["payment.request"].with_user(self.agent))
        self.assertFalse(form.reference)
        form.partner_id = self.customer
        form.amount = 10
        self.assertFalse(form.send_blocked_reason)
        request = form.save()
        self.assertEqual(int(request.reference[-5:]), int(second["reference"][-5:]) + 1)
        with self.assertRaises(ValidationError):
            request.reference = " "

    def test_refused_without_client(self):
        self.assertRefused("Choose the client of the payment request.", partner_id=False)
        self.assertRefused("Choose the client of the payment request.", partner_id=999999)

    def test_refused_when_the_amount_is_not_positive(self):
        message = "The amount of a payment request must be more than zero."
        for amount in (0, -5, "0.00", "abc", None, float("nan")):
            with self.subTest(amount=amount):
                self.assertRefused(message, amount=amount)

    def test_explanation_at_most_500_characters_accents_included(self):
        composed = "é" * 500
        decomposed = unicodedata.normalize("NFD", composed)
        self.assertEqual(len(decomposed), 1000)
        self.assertRefused(
            "The explanation is 501 characters long: at most 500", explanation="è" + composed
        )
        self.assertRefused(
            "The explanation is 501 characters long: at most 500", explanation="x" + decomposed
        )
        answer = self.create_request(explanation=decomposed, reference="accents")
        request = self.env["payment.request"].browse(answer["request_id"])
        self.assertEqual(request.explanation_length, 500)
        with self.assertRaises(ValidationError):
            request.explanation = composed + "!"

    def test_refused_when_the_reference_is_used_in_the_company(self):
        self.create_request(reference="R-1")
        self.assertRefused("The reference R-1 is already used in", reference="R-1")
        self.assertRefused("The reference R-1 is already used in", reference="  R-1 ")

    def test_same_reference_in_another_company_is_fine(self):
        other = self.env["res.company"].create(
            {"name": "Other desk", "currency_id": self.company.currency_id.id}
        )
        self.env["payment.request"].create(
            {
                "reference": "R-1",
                "partner_id": self.customer.id,
                "amount": 10,
                "company_id": other.id,
            }
        )
        answer = self.create_request(reference="R-1")
        self.assertEqual(answer["reference"], "R-1")

    def test_refused_when_the_queue_is_full(self):
        self.queue.capacity = 1
        self.create_request(reference="first")
        self.assertRefused(
            "The payment queue Roadside is full: 1 open requests (at most 1)", reference="second"
        )
        # A closed request frees its place.
        self.env["payment.request"].search([("reference", "=", "first")]).action_cancel()
        self.create_request(reference="second")

    def test_refused_when_the_channel_is_not_enabled_for_the_queue(self):
        self.queue.allow_sms = False
        self.assertRefused("does not send payment links by SMS", channel="sms")
        self.assertRefused("does not send payment links by SMS", channel="both")
        self.queue.write({"allow_sms": True, "allow_email": False})
        self.assertRefused("does not send payment links by email", channel="email")

    def test_refused_when_the_user_is_not_a_member_of_the_queue(self):
        self.assertRefused(
            "You are not a member of the payment queue Roadside",
            user=self.other_agent,
            queue_id=self.queue.id,
        )

    def test_refused_when_the_send_fails_and_nothing_is_kept(self):
        self.customer.mobile = False
        self.assertRefused("has no mobile or phone number", channel="sms")

    def test_refused_without_sending_rights(self):
        with self.assertRaises(AccessError):
            self.env["payment.link"].with_user(
                self.env.ref("base.public_user")
            ).create_payment_request(self.request_values())


@tagged("post_install", "-at_install")
class TestPaymentRequestQueues(PaymentRequestCommon):
    def test_the_only_queue_allowing_the_operation_is_chosen(self):
        # A queue without provider, or not receiving, is not offered.
        self.env["payment.link.queue"].create(
            {"name": "No provider", "user_ids": [fields.Command.set(self.agent.ids)]}
        )
        self.env["payment.link.queue"].create(
            {
                "name": "Refunds only",
                "allow_receive": False,
                "allow_refund": True,
                "provider_ids": [fields.Command.set(self.demo_provider.ids)],
                "user_ids": [fields.Command.set(self.agent.ids)],
            }
        )
        answer = self.create_request()
        self.assertEqual(
            self.env["payment.request"].browse(answer["request_id"]).queue_id, self.queue
        )
        # The form preselects it too.
        self.assertEqual(
            self.env["payment.request"].with_user(self.agent).new({}).queue_id, self.queue
        )

    def test_several_queues_ask_to_choose(self):
        second = self.queue.copy({"name": "Front desk"})
        self.assertEqual(second.user_ids, self.agent)
        self.assertRefused(
            "You are a member of several payment queues (Front desk, Roadside): choose one."
        )
        self.assertFalse(self.env["payment.request"].with_user(self.agent).new({}).queue_id)
        answer = self.create_request(queue_id=second.id)
        self.assertEqual(self.env["payment.request"].browse(answer["request_id"]).queue_id, second)

    def test_no_queue_gives_the_exact_message(self):
        error = self.assertRefused(NO_QUEUE, user=self.other_agent)
        self.assertEqual(str(error), NO_QUEUE)
        self.queue.provider_ids = False
        self.assertEqual(str(self.assertRefused(NO_QUEUE)), NO_QUEUE)

    def test_a_queue_not_taking_payments_is_refused_when_named(self):
        self.queue.allow_receive = False
        self.assertRefused("does not take this kind of transaction", queue_id=self.queue.id)

    def test_offered_queues_are_those_whose_providers_take_payments(self):
        no_provider = self.env["payment.link.queue"].create({"name": "No provider"})
        offered = self.env["payment.link.queue"].search([("supports_receive", "=", True)])
        self.assertIn(self.queue, offered)
        self.assertNotIn(no_provider, offered)
        self.demo_provider.state = "disabled"
        self.assertNotIn(
            self.queue, self.env["payment.link.queue"].search([("supports_receive", "=", True)])
        )

    def test_refund_hook_refuses_when_the_queue_does_not_allow_refunds(self):
        answer = self.create_request()
        request = self.env["payment.request"].browse(answer["request_id"])
        link = self.env["payment.link"].browse(answer["link_id"])
        self.assertEqual(
            request._payment_link_refund_refusal(link, None),
            "The payment queue Roadside does not allow refunds.",
        )
        self.queue.allow_refund = True
        self.assertFalse(request._payment_link_refund_refusal(link, 10.0))


@tagged("post_install", "-at_install")
class TestPaymentRequestForm(PaymentRequestCommon):
    def test_generate_button_disabled_with_its_reason(self):
        form = Form(self.env["payment.request"].with_user(self.agent))
        self.assertEqual(form.queue_id, self.queue)
        self.assertEqual(form.send_blocked_reason, "Choose the client.")
        form.partner_id = self.customer
        self.assertEqual(form.send_blocked_reason, "Enter the amount (more than zero).")
        form.amount = 80
        self.assertFalse(form.send_blocked_reason)
        self.assertTrue(form.send_sms)
        self.assertEqual(form.phone, self.customer.mobile)
        form.send_sms = False
        self.assertEqual(form.send_blocked_reason, "Choose to send by SMS, by email, or both.")
        form.send_email = True
        self.assertFalse(form.send_blocked_reason)
        form.explanation = "a" * 501
        self.assertIn("501 characters long", form.send_blocked_reason)
        form.explanation = "Taxi"
        self.queue.capacity = 1
        self.create_request(reference="open one")
        form.amount = 81  # the form recomputes
        self.assertIn("is full", form.send_blocked_reason)
        request = form.save()
        self.assertEqual(request.state, "draft")  # the draft survives
        with self.assertRaises(UserError) as caught:
            request.with_user(self.agent).action_generate_payment_link()
        self.assertIn("is full", str(caught.exception))
        self.queue.capacity = 0
        request.invalidate_recordset()
        self.assertFalse(request.send_blocked_reason)
        with self.mock_gateways():
            action = request.with_user(self.agent).action_generate_payment_link()
            self.process_outboxes()
        self.assertEqual(request.state, "active")
        link = request.payment_link_ids
        # The agent is shown the masked link only.
        self.assertEqual(
            action["params"]["message"],
            f"{link.name} (\u2026{link.token_hint}) sent by Email to camille.martin@example.com.",
        )
        self.assertNotIn("/pay/", str(action))

    def test_sms_preview_segments_and_cost(self):
        form = Form(self.env["payment.request"].with_user(self.agent))
        form.partner_id = self.customer
        form.amount = 42
        form.reference = "Taxi 12"
        self.assertIn("Taxi 12", form.sms_preview)
        self.assertIn("/pay/", form.sms_preview)
        self.assertEqual(form.sms_segments, 1)
        self.assertIn("1 SMS segments (GSM-7)", form.sms_info)
        self.assertFalse(form.sms_cost)
        self.env["ir.config_parameter"].sudo().set_param(
            "payment_link_sms.sms_segment_price", "0.07"
        )
        form.reference = "Réparation " + "x" * 60  # UCS-2 stays out: sanitized to GSM-7
        self.assertEqual(form.sms_cost, form.sms_segments * 0.07)
        form.send_sms = False
        self.assertFalse(form.sms_preview)

    def test_draft_can_be_discarded_not_a_sent_request(self):
        draft = (
            self.env["payment.request"]
            .with_user(self.agent)
            .create({"partner_id": self.customer.id, "amount": 5})
        )
        draft.action_discard()
        self.assertFalse(draft.exists())
        answer = self.create_request()
        sent = self.env["payment.request"].browse(answer["request_id"]).with_user(self.agent)
        with self.assertRaises(UserError):
            sent.action_discard()
        with self.assertRaises(UserError):
            sent.amount = 1


@tagged("post_install", "-at_install")
class TestPaymentRequestRights(PaymentRequestCommon):
    """Each record rule of the requests: removing one makes one of these fail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_queue = cls.env["payment.link.queue"].create(
            {
                "name": "Other queue",
                "provider_ids": [fields.Command.set(cls.demo_provider.ids)],
                "user_ids": [fields.Command.set(cls.other_agent.ids)],
            }
        )
        cls.billing_user.groups_id += cls.env.ref(
            "payment_link_sms_desk.group_payment_request_agent"
        )

    def setUp(self):
        super().setUp()
        mine = self.create_request(reference="mine")
        theirs = self.create_request(user=self.other_agent, reference="theirs")
        self.mine = self.env["payment.request"].browse(mine["request_id"])
        self.theirs = self.env["payment.request"].browse(theirs["request_id"])
        with self.mock_gateways():
            self.invoice_link = self.link_of(self.send_link()[0])

    def visible(self, model, user, records, company_ids=None):
        Model = self.env[model].with_user(user)
        if company_ids:
            Model = Model.with_context(allowed_company_ids=company_ids)
        return Model.search([("id", "in", records.ids)])

    def test_agents_see_their_queues_requests_only(self):
        both = self.mine | self.theirs
        self.assertEqual(self.visible("payment.request", self.agent, both), self.mine)
        self.assertEqual(self.visible("payment.request", self.other_agent, both), self.theirs)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.agent).read(["reference"])

    def test_managers_see_every_request(self):
        both = self.mine | self.theirs
        self.assertEqual(self.visible("payment.request", self.manager, both), both)

    def test_agents_see_their_queues_only_managers_all(self):
        queues = self.queue | self.other_queue
        self.assertEqual(self.visible("payment.link.queue", self.agent, queues), self.queue)
        self.assertEqual(self.visible("payment.link.queue", self.manager, queues), queues)
        with self.assertRaises(AccessError):
            self.queue.with_user(self.agent).capacity = 5
        self.queue.with_user(self.manager).capacity = 5

    def test_agents_see_their_requests_links_and_events_only(self):
        links = self.mine.payment_link_ids | self.theirs.payment_link_ids | self.invoice_link
        self.assertEqual(
            self.visible("payment.link", self.agent, links), self.mine.payment_link_ids
        )
        events = links.event_ids
        self.assertEqual(
            self.visible("payment.link.event", self.agent, events),
            self.mine.payment_link_ids.event_ids,
        )

    def test_managers_see_every_requests_links_and_events(self):
        requests_links = self.mine.payment_link_ids | self.theirs.payment_link_ids
        links = requests_links | self.invoice_link
        self.assertEqual(self.visible("payment.link", self.manager, links), requests_links)
        self.assertEqual(
            self.visible("payment.link.event", self.manager, links.event_ids),
            requests_links.event_ids,
        )

    def test_billing_agents_keep_every_link_and_event(self):
        # The sale bridge has the same rules for its own reasons: this checks the core's.
        for xmlid in (
            "payment_link_sms_sale.payment_link_rule_billing",
            "payment_link_sms_sale.payment_link_event_rule_billing",
        ):
            sale_rule = self.env.ref(xmlid, raise_if_not_found=False)
            if sale_rule:
                sale_rule.unlink()
        links = self.mine.payment_link_ids | self.theirs.payment_link_ids | self.invoice_link
        self.assertEqual(self.visible("payment.link", self.billing_user, links), links)
        self.assertEqual(
            self.visible("payment.link.event", self.billing_user, links.event_ids), links.event_ids
        )

    def test_requests_and_queues_of_another_company_are_hidden(self):
        other = self.env["res.company"].create(
            {"name": "Other desk", "currency_id": self.company.currency_id.id}
        )
        self.manager.company_ids += other
        queue = self.env["payment.link.queue"].create({"name": "Elsewhere", "company_id": other.id})
        request = self.env["payment.request"].create(
            {
                "reference": "elsewhere",
                "partner_id": self.customer.id,
                "amount": 3,
                "company_id": other.id,
            }
        )
        self.assertFalse(self.visible("payment.request", self.manager, request, self.company.ids))
        self.assertFalse(self.visible("payment.link.queue", self.manager, queue, self.company.ids))
        both = [self.company.id, other.id]
        self.assertEqual(self.visible("payment.request", self.manager, request, both), request)
        self.assertEqual(self.visible("payment.link.queue", self.manager, queue, both), queue)

    def test_users_outside_the_groups_have_no_access(self):
        user = new_test_user(self.env, login="plain_user", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["payment.request"].with_user(user).search([])
        self.assertFalse(user.has_group("payment_link_sms_desk.group_payment_request_agent"))
        admin = new_test_user(
            self.env, login="billing_admin", groups="account.group_account_manager"
        )
        self.assertTrue(admin.has_group("payment_link_sms_desk.group_payment_request_manager"))
        self.assertTrue(self.manager.has_group("payment_link_sms_desk.group_payment_request_agent"))
        self.assertTrue(self.agent.has_group("payment_link_sms.group_payment_link_user"))


@tagged("post_install", "-at_install")
class TestPaymentRequestLifecycle(PaymentRequestCommon):
    def test_state_follows_the_link(self):
        answer = self.create_request()
        request = self.env["payment.request"].browse(answer["request_id"])
        link = self.link_of(answer)
        self.assertEqual(request.state, "active")
        # Opened by a person (the page's signal: TestPaymentRequestPayPage goes through it).
        link.sudo().write({"state": "opened", "opened_date": fields.Datetime.now()})
        self.assertEqual(request.state, "in_progress")
        link.action_expire()
        self.assertEqual(request.state, "expired")
        with self.mock_gateways():
            request.with_user(self.agent).action_resend_payment_link()
        self.assertEqual(request.state, "active")
        request.with_user(self.agent).action_cancel()
        self.assertEqual(request.state, "cancelled")

    def test_hours_from_sent_to_paid(self):
        answer = self.create_request()
        request = self.env["payment.request"].browse(answer["request_id"])
        link = self.link_of(answer)
        link.sudo().sent_date = fields.Datetime.now() - timedelta(hours=3)
        link._mark_paid()
        self.assertEqual(request.state, "paid")
        self.assertAlmostEqual(request.hours_to_paid, 3.0, places=2)
        groups = self.env["payment.request"].read_group(
            [("id", "=", request.id)], ["hours_to_paid:avg"], ["queue_id"]
        )
        self.assertAlmostEqual(groups[0]["hours_to_paid"], 3.0, places=2)


@tagged("post_install", "-at_install")
class TestPaymentRequestPayPage(PaymentRequestCommon, PayPageCommon):
    def setUp(self):
        super().setUp()
        answer = self.create_request(
            reference="Dépannage A7", explanation="Remorquage jusqu'à Lyon\nPéage compris"
        )
        self.request = self.env["payment.request"].browse(answer["request_id"])
        self.link = self.link_of(answer)
        self.token = self.token_of(answer)
        self.link.sudo().lang = "en_US"

    def test_page_shows_company_reference_explanation_amount_then_paid(self):
        page = self.open_page()
        self.assertEqual(page.status_code, 200)
        self.assertEqual(self.request.state, "in_progress")  # opened by a person
        html = page.text
        self.assertIn("o_payment_request_summary", html)
        self.assertIn(self.company.name, html)
        self.assertIn("Dépannage A7", html)
        self.assertIn("Remorquage jusqu&#39;à Lyon", html.replace("&#x27;", "&#39;"))
        self.assertIn("120.50", html)
        tx = self.pay()
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.request.state, "paid")
        self.assertEqual(self.request.amount_paid, 120.5)
        receipt = self.open_page()
        self.assertIn("Payment received", receipt.text)
        self.assertIn("Dépannage A7", receipt.text)

    def test_a_failed_payment_marks_the_request_failed(self):
        self.open_page()
        self.pay(state="error")
        self.assertEqual(self.request.state, "failed")

    def test_refunds_through_payment_demo_when_the_queue_allows_them(self):
        self.open_page()
        self.pay()
        self.assertEqual(self.request.state, "paid")
        with self.assertRaises(UserError) as caught:
            self.link.action_refund(amount=20.0)
        self.assertEqual(
            str(caught.exception), "The payment queue Roadside does not allow refunds."
        )
        self.assertFalse(self.link.transaction_ids.child_transaction_ids)
        self.queue.allow_refund = True
        self.link.action_refund(amount=20.0, reason="Shorter tow")
        self.assertEqual(self.request.state, "paid")  # a part refunded: still paid
        self.assertEqual(self.request.amount_refunded, 20.0)
        self.link.action_refund(reason="Cancelled tow")  # the rest
        self.assertEqual(self.request.amount_refunded, 120.5)
        self.assertEqual(self.request.state, "refunded")


@tagged("post_install", "-at_install")
class TestPaymentRequestFirstRun(PaymentRequestCommon):
    """Issue 22 item 11: the app's first run says what to do; the forms say what each field
    is, and the amounts show their currency."""

    def arch(self, model, view_type, user):
        view = self.env[model].with_user(user).get_view(view_type=view_type)
        return etree.fromstring(view["arch"])

    def test_without_a_queue_the_app_says_to_create_one(self):
        help_message = "<p>Ask a client for a payment</p>"
        Request = self.env["payment.request"]
        agents_help = Request.with_user(self.agent).get_empty_list_help(help_message)
        self.assertEqual(agents_help, help_message)
        self.queue.unlink()
        managers_help = Request.with_user(self.manager).get_empty_list_help(help_message)
        self.assertIn("Create a payment queue first", managers_help)
        self.assertIn(
            'href="/odoo/action-payment_link_sms_desk.action_payment_link_queue/new"', managers_help
        )
        agents_help = Request.with_user(self.agent).get_empty_list_help(help_message)
        self.assertIn("not a member of any payment queue", agents_help)
        self.assertIn("ask a manager", agents_help)
        self.assertNotIn("href", agents_help)

    def test_one_label_per_queue_option_and_members_labelled(self):
        arch = self.arch("payment.link.queue", "form", self.manager)
        for option in ("allow_receive", "allow_refund", "allow_sms", "allow_email"):
            with self.subTest(option=option):
                labels = arch.xpath(f"//label[@for='{option}']") + arch.xpath(
                    f"//group/field[@name='{option}'][not(@nolabel)]"
                )
                self.assertEqual(len(labels), 1)
        # Whether a provider supports an option is said beside it, not as a second label.
        for computed in ("supports_receive", "supports_refund"):
            for node in arch.xpath(f"//field[@name='{computed}']"):
                self.assertIn(node.get("invisible"), ("1", "True"), computed)
        members = arch.xpath("//field[@name='user_ids']")
        self.assertEqual(len(members), 1)
        group = members[0].getparent()
        self.assertEqual((group.tag, group.get("string")), ("group", "Members"))

    def test_amounts_show_their_currency(self):
        # An agent of a company with one currency: not in Odoo's multi-currency group.
        multi_currency = self.env.ref("base.group_multi_currency")
        self.env.ref("base.group_user").implied_ids -= multi_currency
        multi_currency.users -= self.agent
        self.assertFalse(self.agent.has_group("base.group_multi_currency"))
        for view_type in ("form", "kanban", "list"):
            arch = self.arch("payment.request", view_type, self.agent)
            with self.subTest(view=view_type):
                self.assertTrue(arch.xpath("//field[@name='amount']"))
                self.assertTrue(
                    arch.xpath("//field[@name='currency_id']"),
                    "the monetary amounts need their currency in the view",
                )
