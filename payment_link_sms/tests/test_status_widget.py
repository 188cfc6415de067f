# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One status widget and one set of filters for every document (issue 21 item 5), and what the
accountant reads on them and in the link lists (issue 22 items 1, 2 and 3)."""

from lxml import etree

from odoo.tests import new_test_user, tagged
from odoo.tools import format_date
from odoo.tools.safe_eval import safe_eval

from .common import PayPageCommon

COPIED_BUTTONS = (
    "action_send_payment_link",
    "action_resend_payment_link",
    "action_expire_payment_links",
)


class StatusWidgetCommon(PayPageCommon):
    def status(self, document, user=None):
        document = document.with_user(user or self.billing_user)
        document.invalidate_recordset()
        return document.payment_link_status or {}

    def actions(self, document, user=None):
        return [action["name"] for action in self.status(document, user).get("actions", [])]

    def search_filters(self, model, view_xmlid):
        view = self.env.ref(view_xmlid)
        arch = self.env[model].get_views([(view.id, "search")])["views"]["search"]["arch"]
        return {
            node.get("name"): node
            for node in etree.fromstring(arch).xpath(
                "//filter[starts-with(@name, 'payment_link_')]"
            )
        }

    def filtered(self, model, view_xmlid, name, records):
        domain = safe_eval(self.search_filters(model, view_xmlid)[name].get("domain"))
        self.env.flush_all()
        return self.env[model].search([*domain, ("id", "in", records.ids)])

    def list_totals(self, action, records=None):
        """The totals of the action's list, as the list computes them (its ``sum`` columns)."""
        Link = self.env["payment.link"]
        arch = Link.get_views([(False, "list")])["views"]["list"]["arch"]
        summed = [node.get("name") for node in etree.fromstring(arch).xpath("//field[@sum]")]
        domain = action["domain"]
        self.env.flush_all()
        (totals,) = Link.read_group(domain, [f"{name}:sum" for name in summed], [])
        return {name: totals[name] for name in summed}


@tagged("post_install", "-at_install")
class TestStatusWidget(StatusWidgetCommon):
    def test_the_invoice_form_uses_the_widget_not_copied_buttons(self):
        arch = self.env["account.move"].with_user(self.billing_user).get_views([(False, "form")])
        tree = etree.fromstring(arch["views"]["form"]["arch"])
        widgets = tree.xpath("//field[@name='payment_link_status']")
        self.assertEqual(len(widgets), 1)
        self.assertEqual(widgets[0].get("widget"), "payment_link_status")
        for name in COPIED_BUTTONS:
            self.assertFalse(tree.xpath(f"//button[@name='{name}']"), f"{name} is in the widget")

    def test_the_actions_follow_the_latest_link(self):
        self.assertEqual(self.actions(self.invoice), ["action_send_payment_link"])
        self.assertEqual(self.status(self.invoice)["state"], False, "no link yet: no badge")
        link = self.send_default_link()
        status = self.status(self.invoice)
        self.assertEqual((status["state"], status["state_label"]), ("sent", "Sent"))
        self.assertIn("(in 60 days)", status["expiry"])
        self.assertTrue(status["expiry"].startswith("expires "))
        self.assertEqual(
            self.actions(self.invoice),
            ["action_resend_payment_link", "action_expire_payment_links"],
        )
        link.action_expire()
        status = self.status(self.invoice)
        self.assertTrue(status["expired"])
        self.assertTrue(status["expiry"].startswith("expired on "), "the expiry is past")
        self.assertEqual(
            self.actions(self.invoice), ["action_send_payment_link", "action_resend_payment_link"]
        )
        # A link cancelled on purpose is not resent: a new one is sent, as on every form.
        with self.mock_gateways():
            new_link = self.link_of(self.send_link()[0])
        new_link._set_state("cancelled", reason="Stopped")
        self.assertEqual(self.actions(self.invoice), ["action_send_payment_link"])

    def test_a_failed_delivery_says_why_and_offers_the_resend_first(self):
        link = self.send_default_link()
        self.env["payment.link.event"]._update_delivery(
            link, "sms", "failed", reason="Number not in service"
        )
        status = self.status(self.invoice)
        self.assertEqual(status["delivery_state"], "failed")
        self.assertEqual(status["delivery_reason"], "Number not in service")
        resend = status["actions"][0]
        self.assertEqual(resend["name"], "action_resend_payment_link")
        self.assertTrue(resend["primary"])
        self.assertTrue(resend["confirm"])

    def test_only_who_may_act_is_offered_the_actions(self):
        self.send_default_link()
        reader = new_test_user(
            self.env,
            login="status_reader",
            groups="account.group_account_readonly",
            company_id=self.company.id,
        )
        self.assertEqual(self.status(self.invoice, user=reader), {}, "not a payment link user")
        # The server refuses what the widget would not offer.
        self.assertEqual(self.actions(self.invoice), list(COPIED_BUTTONS[1:]))

    def test_the_filters_come_from_one_definition(self):
        filters = self.search_filters("account.move", "account.view_account_invoice_filter")
        labels = [node.get("string") for node in filters.values()]
        self.assertEqual(len(labels), len(set(labels)), "one label, one meaning")
        self.assertIn("payment_link_expired_unpaid", filters)
        # A document whose link expired, then got a newer link, is not "expired unpaid".
        link = self.send_default_link()
        link.action_expire()
        view = "account.view_account_invoice_filter"
        self.assertEqual(
            self.filtered("account.move", view, "payment_link_expired_unpaid", self.invoice),
            self.invoice,
        )
        with self.mock_gateways():
            self.send_link()
        self.assertFalse(
            self.filtered("account.move", view, "payment_link_expired_unpaid", self.invoice)
        )


@tagged("post_install", "-at_install")
class TestMoneyShownRight(StatusWidgetCommon):
    """Issue 22 item 1: partly paid and partly refunded, in words, where the user looks."""

    def test_a_partial_payment_is_partly_paid_with_what_is_left(self):
        self.company.payment_link_allow_partial = True
        self.send_default_link()
        self.pay(amount="300")
        link = self.link
        self.assertEqual(link.money_state, "partly_paid")
        self.assertEqual(
            link.money_label, "Partly paid $\xa0300.00 of $\xa01,234.56, $\xa0934.56 left"
        )
        status = self.status(self.invoice)
        self.assertEqual(
            (status["display_state"], status["state_label"]), ("partly_paid", "Partly paid")
        )
        self.assertEqual(status["money"], link.money_label)
        view = "account.view_account_invoice_filter"
        self.assertFalse(self.filtered("account.move", view, "payment_link_paid", self.invoice))
        self.assertEqual(
            self.filtered("account.move", view, "payment_link_partly_paid", self.invoice),
            self.invoice,
        )

    def test_a_partial_refund_is_partly_refunded_then_refunded(self):
        self.send_default_link()
        self.pay()
        as_user = self.link.with_user(self.billing_user)
        as_user.action_refund(amount=200.0)
        self.assertEqual(self.link.money_state, "partly_refunded")
        self.assertEqual(self.link.money_label, "Partly refunded $\xa0200.00 of $\xa01,234.56")
        self.assertEqual(self.link.state, "paid", "the public state stays")
        status = self.status(self.invoice)
        self.assertEqual(status["state_label"], "Partly refunded")
        self.assertEqual(status["money"], self.link.money_label)
        progress = self.env["payment.link"].get_payment_link_progress(
            "account.move", self.invoice.id
        )
        self.assertEqual(progress["current"]["label"], "Partly refunded", "the progress badge")
        as_user.action_refund()
        self.assertEqual(self.link.money_state, "refunded")
        self.assertEqual(self.link.money_label, "Refunded $\xa01,234.56")
        self.assertEqual(self.status(self.invoice)["state_label"], "Refunded")


@tagged("post_install", "-at_install")
class TestSumsAnAccountantCanTrust(StatusWidgetCommon):
    """Issue 22 item 2: the invoice's Payment Links list totals, Expired unpaid, refunds."""

    def test_the_invoice_list_counts_its_latest_link_once(self):
        self.send_default_link()
        with self.mock_gateways():
            self.invoice.with_user(self.billing_user).action_resend_payment_link()
        action = self.invoice.with_user(self.billing_user).action_view_payment_links()
        totals = self.list_totals(action)
        self.assertEqual(totals["amount_requested_latest"], 1234.56, "not twice 1,234.56")

    def test_expired_unpaid_leaves_out_links_followed_by_a_newer_one(self):
        link = self.send_default_link()
        link.action_expire()
        Link = self.env["payment.link"]
        arch = Link.get_views([(False, "search")])["views"]["search"]["arch"]
        (node,) = etree.fromstring(arch).xpath("//filter[@name='expired_unpaid']")
        domain = [*safe_eval(node.get("domain")), ("res_id", "=", self.invoice.id)]
        self.assertEqual(Link.search(domain), link)
        with self.mock_gateways():
            self.send_link()
        self.assertFalse(Link.search(domain), "the invoice has a newer link")

    def test_refunds_have_their_column_and_paid_totals_are_net(self):
        self.send_default_link()
        self.pay()
        self.link.with_user(self.billing_user).action_refund(amount=200.0)
        action = self.invoice.with_user(self.billing_user).action_view_payment_links()
        totals = self.list_totals(action)
        self.assertEqual(totals["amount_refunded"], 200.0)
        self.assertAlmostEqual(totals["amount_net"], 1034.56)
        Link = self.env["payment.link"]
        arch = Link.get_views([(False, "search")])["views"]["search"]["arch"]
        (node,) = etree.fromstring(arch).xpath("//filter[@name='refunded']")
        self.assertEqual(Link.search(safe_eval(node.get("domain"))), self.link)


@tagged("post_install", "-at_install")
class TestEveryKindInItsOwnWords(StatusWidgetCommon):
    """Issue 22 item 3: a card request is not a payment link paid; kinds have their column."""

    def test_a_card_request_is_its_own_kind(self):
        with self.mock_gateways():
            answer = self.customer.request_payment_card("sms")[0]
        link = self.env["payment.link"].browse(answer["link_id"])
        self.assertEqual(link.kind, "card_request")
        link._mark_paid(reason="Card saved")
        self.assertFalse(link.paid_by_link, "a card saved is not a payment link paid")

    def test_kind_is_a_column_a_filter_and_a_group(self):
        Link = self.env["payment.link"]
        views = Link.get_views([(False, "list"), (False, "search")])["views"]
        list_arch = etree.fromstring(views["list"]["arch"])
        (column,) = list_arch.xpath("//field[@name='kind']")
        self.assertNotEqual(column.get("optional"), "hide")
        search = etree.fromstring(views["search"]["arch"])
        for name in ("kind_payment", "kind_card_on_file", "kind_card_request", "group_kind"):
            self.assertTrue(search.xpath(f"//filter[@name='{name}']"), name)


@tagged("post_install", "-at_install")
class TestProgressInWords(StatusWidgetCommon):
    """Issue 22 item 10: Customer progress names the channel and the people, says "back on
    the page", and an expired link's expiry is past."""

    def progress(self, document=None):
        document = document or self.invoice
        return (
            self.env["payment.link"]
            .with_user(self.billing_user)
            .get_payment_link_progress(document._name, document.id)
        )

    def page_step(self, step):
        return self.make_jsonrpc_request(
            "/pay/progress", {"access_token": self.token, "step": step}
        )

    def test_channel_people_and_back_on_the_page(self):
        link = self.send_default_link()
        self.env["payment.link.event"]._update_delivery(link, "sms", "delivered")
        self.signal_opened()
        self.page_step("page_left")
        self.assertTrue(self.progress()["page_left"])
        self.page_step("page_back")
        progress = self.progress()
        steps = {step["event_type"]: step for step in progress["timeline"]}
        self.assertEqual(steps["sent"]["label"], "Sent by SMS")
        self.assertEqual(steps["delivered"]["label"], "Delivered by SMS")
        self.assertEqual(steps["opened"]["who"], "Camille Martin", "the customer, named")
        self.assertNotIn("Public user", [step["who"] for step in progress["timeline"]])
        self.assertEqual(progress["current"]["event_type"], "page_back")
        self.assertEqual(progress["current"]["label"], "Customer back on the page")
        self.assertFalse(progress["page_left"])
        self.assertTrue(progress["page_back"])
        self.assertFalse(progress["expiry"]["past"])
        self.assertTrue(progress["expiry"]["label"].startswith("Expires on "))

    def test_an_expired_link_shows_its_expiry_as_past(self):
        link = self.send_default_link()
        link.with_user(self.billing_user).action_expire()
        progress = self.progress()
        self.assertTrue(progress["expiry"]["past"])
        self.assertTrue(progress["expiry"]["label"].startswith("Expired on "))
        # Expired today by a user, not on the date it would have expired.
        self.assertNotIn(
            format_date(self.env, link._get_expiration_local_date()), progress["expiry"]["label"]
        )
        expired = [step for step in progress["timeline"] if step["event_type"] == "expired"]
        self.assertEqual(expired[-1]["who"], "Billie Billing", "who expired it, named")

    def test_a_card_request_says_card_request_sent(self):
        with self.mock_gateways():
            answer = self.customer.request_payment_card("sms")[0]
        link = self.env["payment.link"].browse(answer["link_id"])
        request = self.env[link.res_model].browse(link.res_id)
        progress = self.progress(request)
        self.assertEqual(progress["kind"], "card_request")
        self.assertEqual(progress["timeline"][0]["label"], "Card request sent by SMS")
        self.assertEqual(
            self.env["payment.link.send.service"]._sent_dialog(link)["name"], "Card request sent"
        )
