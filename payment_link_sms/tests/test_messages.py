# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from smtplib import SMTPRecipientsRefused
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import format_date, mute_logger

from .. import utils
from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestMessages(PaymentLinkCommon):
    """What the customer receives: exact text, language, length; and what comes back from the
    SMS provider and the mail server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.name = "Dépannage Martin"

    def _expiry(self, link, lang):
        return format_date(self.env, link._get_expiration_local_date(), lang_code=lang)

    def test_sms_text_in_french(self):
        with self.mock_gateways():
            answer = self.send_link()[0]
        link = self.link_of(answer)
        expected = (
            f"Dépannage Martin : {self.invoice.name}, $ 1 234,56 à régler. Payez en toute "
            f"sécurité : {answer['url']} (valable jusqu'au {self._expiry(link, 'fr_FR')})"
        )
        self.assertEqual(len(self._sms), 1)
        self.assertSMS(self.customer, "+33612345678", "pending")
        self.assertSMSIapSent(["+33612345678"], content=expected)
        self.assertEqual(self._sms[0]["body"], expected)

    def test_channel_named_in_the_readers_language(self):
        """The sent dialog and the document's chatter name the channel in the reader's
        language (the field's translated labels, not the English constant)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        with self.mock_gateways():
            answer = self.send_link(channel="both")[0]
        link = self.link_of(answer).with_context(lang="fr_FR")
        dialog = link.env["payment.link.send.service"]._sent_dialog(link)
        self.assertEqual(dialog["params"]["links"][0]["channel"], "SMS et e-mail")

    def test_sms_text_in_norwegian(self):
        invoice = self._create_posted_invoice(self.customer_nb, 980.0)
        with self.mock_gateways():
            answer = self.send_link(invoice)[0]
        link = self.link_of(answer)
        expected = (
            f"Dépannage Martin: {invoice.name}, $ 980,00 å betale. Betal trygt her: "
            f"{answer['url']} (gyldig til {self._expiry(link, 'nb_NO')})"
        )
        self.assertEqual(len(self._sms), 1)
        self.assertSMS(self.customer_nb, "+4741234567", "pending")
        self.assertSMSIapSent(["+4741234567"], content=expected)
        self.assertEqual(self._sms[0]["body"], expected)

    def test_partner_without_language_gets_the_company_language(self):
        self.company.partner_id.lang = "nb_NO"
        self.customer.lang = False
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        self.assertEqual(link.lang, "nb_NO")
        self.assertIn("å betale", self._sms[0]["body"])

    def test_default_sms_fits_two_gsm7_segments(self):
        self.company.name = "Dépannage Remorquage Martin & Fils SARL"
        for partner, lang in (
            (self.customer, "fr_FR"),
            (self.customer_nb, "nb_NO"),
            (self.customer_en, "en_US"),
        ):
            with self.subTest(lang=lang):
                invoice = self._create_posted_invoice(partner, 123456.78)
                with self.mock_gateways():
                    self.send_link(invoice)
                encoding, units, segments = utils.sms_segments(self._sms[0]["body"])
                self.assertEqual(encoding, "GSM-7", self._sms[0]["body"])
                self.assertLessEqual(segments, 2, f"{units} units")

    def test_email_in_french(self):
        with self.mock_gateways():
            answer = self.send_link(channel="email")[0]
        mail = self._mails[0]
        self.assertEqual(
            mail["subject"], f"Dépannage Martin : demande de paiement pour {self.invoice.name}"
        )
        body = mail["body"]
        self.assertIn("Bonjour Camille Martin", body)
        self.assertIn("Payer maintenant", body)
        self.assertIn(f'href="{answer["url"]}"', body)
        self.assertIn("$\xa01\xa0234,56", body.replace("&nbsp;", "\xa0"))
        link = self.link_of(answer)
        self.assertIn(f"valable jusqu'au {self._expiry(link, 'fr_FR')}", body.replace("&#39;", "'"))

    def test_email_in_norwegian(self):
        invoice = self._create_posted_invoice(self.customer_nb, 980.0)
        with self.mock_gateways():
            answer = self.send_link(invoice, channel="email")[0]
        mail = self._mails[0]
        self.assertEqual(
            mail["subject"], f"Dépannage Martin: betalingsforespørsel for {invoice.name}"
        )
        self.assertIn("Hei Ola Nordmann", mail["body"])
        self.assertIn("Betal nå", mail["body"])
        self.assertIn(f'href="{answer["url"]}"', mail["body"])
        self.assertEqual(mail["email_to"], ["ola@example.no"])

    def test_typed_number_and_email_override_the_partner(self):
        with self.mock_gateways():
            answer = self.send_link(
                channel="both", phone="07 81 22 33 44", email="accounts@martin.example.com"
            )[0]
        self.assertEqual(len(self._sms), 1)
        self.assertSMSIapSent(["+33781223344"])
        self.assertEqual(self._mails[0]["email_to"], ["accounts@martin.example.com"])
        link = self.link_of(answer)
        self.assertEqual((link.phone, link.email), ("+33781223344", "accounts@martin.example.com"))

    def test_sms_delivery_report_marks_the_link_delivered(self):
        with self.mock_gateways():
            link = self.link_of(self.send_link()[0])
        tracker = self.env["sms.tracker"].sudo().search([("payment_link_id", "=", link.id)])
        self.assertEqual(len(tracker), 1)
        response = self.url_open(
            "/sms/status",
            data=json.dumps(
                {
                    "params": {
                        "message_statuses": [
                            {"sms_status": "delivered", "uuids": [tracker.sms_uuid]}
                        ]
                    }
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(link.sms_state, "delivered")
        self.assertEqual(
            link.event_ids.filtered(lambda e: e.event_type == "delivered").channel, "sms"
        )

    def test_sms_provider_errors_are_recorded_and_notified(self):
        for error, reason in (
            ("credit", "no SMS credit left"),
            ("wrong_number_format", "number not valid"),
            ("server_error", "SMS service unreachable"),
        ):
            with self.subTest(error=error):
                invoice = self._create_posted_invoice(self.customer, 10.0)
                invoice.invoice_user_id = self.billing_user
                with self.mock_gateways(sim_error=error):
                    answer = self.send_link(invoice)[0]
                link = self.link_of(answer)
                self.assertEqual(self._sms, [], "nothing reached the customer")
                self.assertEqual(link.sms_state, "failed")
                self.assertEqual(link.delivery_failure_reason, reason)
                failed = link.event_ids.filtered(lambda e: e.event_type == "delivery_failed")
                self.assertEqual(len(failed), 1)
                self.assertEqual(failed.reason, reason)
                # The invoice says so, in plain words, with Resend one click away.
                self.assertEqual(invoice.payment_link_delivery_state, "failed")
                self.assertEqual(invoice.payment_link_delivery_reason, reason)
                self.assertEqual(invoice.payment_link_state, "sent")
                note = invoice.message_ids.filtered(
                    lambda m: m.subject and "not delivered" in m.subject
                )
                self.assertTrue(note)
                self.assertIn(self.billing_user.partner_id, note.partner_ids)
                # The outbox keeps no working link; nothing is retried behind the user's back.
                tracker = self.env["sms.tracker"].sudo().search([("payment_link_id", "=", link.id)])
                sms = self.env["sms.sms"].sudo().search([("uuid", "=", tracker.sms_uuid)])
                self.assertEqual(sms.state, "error")
                self.assertNotIn(self.token_of(answer), sms.body)
                self.assertIn(link.masked_url, sms.body)
                with self.mock_gateways():
                    self.process_outboxes()
                self.assertEqual(self._sms, [], "a failed SMS is not sent again by itself")

    @mute_logger("odoo.addons.sms.models.sms_sms")
    def test_gateway_timeout_is_a_failure_that_can_be_resent(self):
        with self.mock_gateways(sim_error="jsonrpc_exception"):
            link = self.link_of(self.send_link()[0])
        self.assertEqual(link.sms_state, "failed")
        with self.mock_gateways():
            new = self.env["payment.link"].browse(link.action_resend())
            self.process_outboxes()
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(new.sms_state, "accepted")
        self.assertEqual(link.state, "cancelled")

    def test_email_failure_is_recorded(self):
        IrMailServer = type(self.env["ir.mail_server"])
        with (
            self.mock_gateways(),
            patch.object(
                IrMailServer,
                "send_email",
                side_effect=SMTPRecipientsRefused(
                    {"camille.martin@example.com": (550, b"No such user")}
                ),
            ),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            answers = self.send_link(channel="email")
        link = self.link_of(answers[0])
        self.assertEqual(link.email_state, "failed")
        self.assertIn("delivery_failed", link.event_ids.mapped("event_type"))
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "payment.link"), ("res_id", "=", link.id)])
        )
        token = self.token_of(answers[0])
        self.assertNotIn(token, mail.body_html or "")
        self.assertTrue(mail.mail_message_id.body, "Odoo keeps the message of a failed email")
        self.assertNotIn(token, mail.mail_message_id.body, "its message is masked too")
        self.assertIn(link.masked_url, str(mail.mail_message_id.body))

    def test_sms_still_processing_at_the_provider_is_masked(self):
        with self.mock_gateways(moderated=True):
            answer = self.send_link()[0]
        link = self.link_of(answer)
        tracker = self.env["sms.tracker"].sudo().search([("payment_link_id", "=", link.id)])
        sms = self.env["sms.sms"].sudo().search([("uuid", "=", tracker.sms_uuid)])
        self.assertEqual(sms.state, "process", "the provider is processing it")
        self.assertEqual(self._sms[0]["body"].count(self.token_of(answer)), 1, "it was sent")
        self.assertNotIn(self.token_of(answer), sms.body)
        self.assertIn(link.masked_url, sms.body)
