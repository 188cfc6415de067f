# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.tests.common import PaymentLinkCommon

from .common import CHROME, CONSENT, CardPageCommon


@tagged("post_install", "-at_install")
class TestSaveCardWhilePaying(CardPageCommon):
    def test_box_not_shown_and_nothing_saved_when_not_offered(self):
        self.company.payment_link_save_card = "off"
        page = self.open_page()
        self.assertNotIn("o_payment_link_save_card", page.text)
        self.assertNotIn(CONSENT, page.text)
        # Forcing the request from the browser saves nothing either.
        tx = self.pay_demo(tokenization_requested=True)
        self.assertEqual(tx.state, "done")
        self.assertFalse(tx.token_id)
        self.assertFalse(
            self.env["payment.consent"].search([("partner_id", "=", self.customer.id)])
        )

    def test_ticked_box_saves_the_card_with_an_online_consent(self):
        self.company.payment_link_save_card = "offered"
        page = self.open_page()
        self.assertIn("Save my card for future payments", page.text)
        self.assertIn(CONSENT, page.text)
        box = page.text[page.text.index('id="o_payment_link_save_card"') - 200 :][:400]
        self.assertNotIn("checked", box)
        self.assertNotIn("disabled", box)
        tx = self.pay_demo(tokenization_requested=True)
        self.assertEqual(self.link.state, "paid")
        self.assertTrue(tx.token_id)
        self.assertEqual(tx.token_id.partner_id, self.customer)
        consent = tx.payment_link_consent_id
        self.assertRecordValues(
            consent,
            [
                {
                    "token_id": tx.token_id.id,
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "method": "online",
                    "consent_text": CONSENT,
                    "consent_version": self.consent_version,
                    "ip_address": "127.0.0.1",
                    "user_agent": CHROME,
                    "user_id": False,
                    "state": "active",
                }
            ],
        )

    def test_unticked_box_saves_nothing(self):
        self.company.payment_link_save_card = "offered"
        tx = self.pay_demo(tokenization_requested=False)
        self.assertEqual(tx.state, "done")
        self.assertFalse(tx.token_id)
        self.assertFalse(tx.payment_link_consent_id)

    def test_failed_payment_records_no_consent(self):
        self.company.payment_link_save_card = "offered"
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            tx = self.pay_demo(tokenization_requested=True, state="error")
        self.assertFalse(tx.payment_link_consent_id)

    def test_staff_consent_from_the_send_wizard(self):
        self.company.payment_link_save_card = "off"  # the sender's consent does not need it
        self.link.sudo().action_expire()
        wizard = self.open_send_wizard(self.invoice)
        wizard.channel = "sms"
        wizard.save_card_consent = True
        wizard.save_card_consent_method = "in_person"
        with self.mock_gateways():
            wizard.save().action_send()
        link = self.invoice._paylink_latest_live()
        self.assertEqual(link.save_card_consent_method, "in_person")
        token = self.env["payment.link.token"].sudo()._issue(link, "sms")[link.id].rsplit("/", 1)[1]
        page = self.open_page(token=token)
        # Shown ticked and disabled, with the text.
        box = page.text[page.text.index('id="o_payment_link_save_card"') - 200 :][:400]
        self.assertIn('checked="True"', box)
        self.assertIn('disabled="True"', box)
        self.assertIn(CONSENT, page.text)
        # The box cannot be unticked: the card is saved all the same.
        tx = self.pay_demo(token=token, tokenization_requested=False)
        self.assertTrue(tx.token_id)
        self.assertRecordValues(
            tx.payment_link_consent_id,
            [
                {
                    "method": "in_person",
                    "user_id": self.billing_user.id,
                    "consent_text": CONSENT,
                    "consent_version": self.consent_version,
                    "ip_address": False,
                    "user_agent": False,
                }
            ],
        )

    def test_staff_consent_needs_a_billing_user(self):
        # A sender who is not a billing user (the group of payment links only) may neither
        # record a customer's consent nor send a card request (billing records: issue 20).
        sender = new_test_user(
            self.env,
            login="link_sender",
            groups="base.group_user,payment_link_sms.group_payment_link_user",
            company_id=self.company.id,
        )
        requests = (
            self.env["payment.card.request"]
            .sudo()
            .create([{"partner_id": self.customer.id}, {"partner_id": self.customer_en.id}])
        )
        with self.mock_gateways(), self.assertRaises(AccessError):
            self.env["payment.link.send.service"].with_user(sender)._send(
                requests[0], "sms", save_card_consent="phone"
            )
        with self.mock_gateways(), self.assertRaises(AccessError):
            requests[0].with_user(sender).send_payment_link("sms")
        self.assertFalse(requests.payment_link_ids)
        # A billing user records only a consent given in person or on the phone.
        with self.mock_gateways(), self.assertRaisesRegex(UserError, "in person or on the phone"):
            self.env["payment.link.send.service"].with_user(self.billing_user)._send(
                requests[1], "email", save_card_consent="online"
            )


@tagged("post_install", "-at_install")
class TestCardRequest(CardPageCommon):
    def request_card(self, partner=None, channel="sms", **kwargs):
        with self.mock_gateways():
            answer = (partner or self.customer).request_payment_card(channel, **kwargs)[0]
            self.process_outboxes()
        return answer

    def validate(self, token, state="done"):
        """Save a card from the card request's page (as the payment form does in validation
        mode), the demo provider answering ``state``."""
        return self.pay_demo(token=token, amount=None, is_validation=True, state=state)

    def test_card_request_end_to_end(self):
        answer = self.request_card()
        self.assertEqual(
            set(answer),
            {"partner_id", "link_id", "url", "state", "expiration_date", "error"},
        )
        self.assertEqual(answer["partner_id"], self.customer.id)
        self.assertEqual(answer["state"], "sent")
        self.assertFalse(answer["error"])
        link = self.link_of(answer)
        request = link._get_document()
        self.assertEqual(request._name, "payment.card.request")
        self.assertEqual(request.state, "open")
        # The card request's own SMS, not the payment link's.
        self.assertEqual(len(self._sms), 1)
        body = self._sms[0]["body"]
        # In the customer's language (French).
        self.assertIn("enregistrez votre carte", body)
        self.assertNotIn("due", body)
        self.assertIn(answer["url"], body)

        token = self.token_of(answer)
        link.sudo().lang = "en_US"
        page = self.open_page(token=token)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Save a card for future payments", page.text)
        self.assertIn("Save my card", page.text)
        self.assertIn(CONSENT, page.text)
        self.assertIn('data-mode="validation"', page.text)
        self.assertNotIn("Amount due now", page.text)

        tx = self.validate(token)
        self.assertEqual(tx.operation, "validation")
        self.assertEqual(tx.amount, self.demo_provider._get_validation_amount())
        self.assertTrue(tx.token_id)
        self.assertRecordValues(request, [{"state": "done", "token_id": tx.token_id.id}])
        self.assertRecordValues(
            tx.payment_link_consent_id,
            [
                {
                    "method": "online",
                    "consent_text": CONSENT,
                    "consent_version": self.consent_version,
                    "ip_address": "127.0.0.1",
                    "user_agent": CHROME,
                    "token_id": tx.token_id.id,
                }
            ],
        )
        # The result: in the link's history and on the customer.
        self.assertEqual(link.state, "paid")
        self.assertIn("card_saved", link.event_ids.mapped("event_type"))
        self.assertFalse(tx.payment_id, "a validation is not a payment")
        self.assertIn("card saved (Demo •••• 4242)", self.customer.message_ids[:1].body)
        self.assertIn("card saved", request.message_ids[:1].body)
        # The page now says the card is saved.
        page = self.open_page(token=token)
        self.assertIn("o_payment_link_card_saved", page.text)

    def test_declined_card_is_logged_and_the_link_stays_usable(self):
        answer = self.request_card()
        link = self.link_of(answer)
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            tx = self.validate(self.token_of(answer), state="error")
        request = link._get_document()
        self.assertEqual(request.state, "open")
        self.assertIn("card_failed", link.event_ids.mapped("event_type"))
        self.assertNotIn("payment_failed", link.event_ids.mapped("event_type"))
        self.assertIn("could not be saved", self.customer.message_ids[:1].body)
        self.assertTrue(link.is_live)
        self.assertFalse(tx.payment_link_consent_id)
        # Tried again, saved.
        tx = self.validate(self.token_of(answer))
        self.assertEqual(request.state, "done")

    def test_card_request_expired(self):
        answer = self.request_card()
        link = self.link_of(answer)
        request = link._get_document()
        with freeze_time(fields.Datetime.now() + timedelta(days=61)):
            self.env["payment.link"]._cron_expire_links()
        self.assertEqual(link.state, "expired")
        self.assertEqual(request.state, "expired")
        self.assertIn("expired", link.event_ids.mapped("event_type"))
        self.assertIn("expired", self.customer.message_ids[:1].body)
        page = self.open_page(token=self.token_of(answer))
        self.assertEqual(page.status_code, 410)

    def test_card_request_templates_switch(self):
        own_sms = self.env["sms.template"].create(
            {
                "name": "Our card request",
                "model_id": self.env.ref("payment_link_sms.model_payment_link").id,
                "body": "Garage Dupont: add your card here {{ object.url }}",
            }
        )
        self.company.payment_card_request_sms_template_id = own_sms
        self.request_card()
        self.assertIn("Garage Dupont: add your card here https://", self._sms[0]["body"])
        self.company.payment_card_request_reuse_templates = True
        self.request_card(partner=self.customer_en)
        self.assertIn("Pay securely", self._sms[0]["body"])
        # Email: the card request's own template unless reused.
        self.company.payment_card_request_reuse_templates = False
        self.customer_en.lang = "en_US"
        self.request_card(partner=self.customer_en, channel="email")
        self.assertSentEmail(
            self.company.partner_id.email_formatted,
            ["pat@example.com"],
            subject=f"{self.company.name}: save your card for future payments",
        )

    def test_request_card_button_through_the_composer(self):
        action = self.customer.with_user(self.billing_user).action_request_payment_card()
        self.assertEqual(action["res_model"], "payment.link.send")
        wizard = Form(
            self.env["payment.link.send"]
            .with_user(self.billing_user)
            .with_context(action["context"])
        )
        self.assertIn("enregistrez votre carte", wizard.sms_preview)  # the customer's French
        self.assertFalse(wizard.save_card_available)
        with self.mock_gateways():
            wizard.save().action_send()
        request = self.env["payment.card.request"].browse(action["context"]["active_ids"])
        self.assertEqual(request.state, "open")
        self.assertEqual(request.payment_link_ids.sender_id, self.billing_user)
        self.assertEqual(self.customer.payment_card_request_count, 1)

    def test_result_is_written_by_the_server_only(self):
        answer = self.request_card()
        request = self.link_of(answer)._get_document().with_user(self.billing_user)
        with self.assertRaises(AccessError):
            request.write({"state": "done"})

    def test_unsent_requests_are_dropped(self):
        self.customer.with_user(self.billing_user).action_request_payment_card()
        request = self.env["payment.card.request"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(request.state, "draft")
        with freeze_time(fields.Datetime.now() + timedelta(days=2)):
            self.env["payment.card.request"]._gc_unsent_card_requests()
        self.assertFalse(request.exists())


@tagged("post_install", "-at_install")
class TestCardPageTours(PaymentLinkCommon):
    """The customer's phone: tick the box and pay; save a card from a card request."""

    browser_size = "390x844"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo_provider.allow_tokenization = True
        cls.company.payment_consent_text = CONSENT

    def test_customer_saves_the_card_while_paying(self):
        self.company.payment_link_save_card = "offered"
        with self.mock_gateways():
            answer = self.send_link()[0]
        link = self.link_of(answer)
        link.sudo().lang = "en_US"
        self.start_tour(f"/pay/{self.token_of(answer)}", "payment_link_sms_save_card_tour")
        self.assertEqual(link.state, "paid")
        tx = link.paid_transaction_id
        self.assertTrue(tx.token_id)
        consent = tx.payment_link_consent_id
        self.assertEqual(consent.method, "online")
        self.assertEqual(consent.consent_text, CONSENT)
        self.assertEqual(consent.consent_version, self.company.payment_consent_version)
        self.assertEqual(consent.ip_address, "127.0.0.1")
        self.assertIn("Chrome", consent.user_agent)

    def test_customer_answers_a_card_request(self):
        with self.mock_gateways():
            answer = self.customer.request_payment_card("sms")[0]
            self.process_outboxes()
        # The SMS, as Odoo's SMS mock received it, carries the page's address.
        self.assertIn(answer["url"], self._sms[0]["body"])
        link = self.link_of(answer)
        link.sudo().lang = "en_US"
        self.start_tour(f"/pay/{self.token_of(answer)}", "payment_link_sms_card_request_tour")
        request = link._get_document()
        self.assertEqual(request.state, "done")
        consent = (
            request.token_id.sudo()
            .env["payment.consent"]
            .search([("token_id", "=", request.token_id.id)])
        )
        self.assertEqual(consent.consent_text, CONSENT)
        self.assertEqual(consent.consent_version, self.company.payment_consent_version)
        self.assertEqual(consent.method, "online")
        self.assertIn("card_saved", link.event_ids.mapped("event_type"))
        self.assertIn("card saved", self.customer.message_ids[:1].body)
