# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .. import utils
from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestSendWizard(PaymentLinkCommon):
    def _wizard(self, invoices=None, **values):
        return self.open_send_wizard(invoices if invoices is not None else self.invoice)

    def test_preview_is_the_exact_text_with_its_length(self):
        form = self._wizard()
        self.assertEqual(form.channel, "sms")
        self.assertEqual(form.recipient_partner_id, self.customer)
        self.assertEqual(form.phone, "06 12 34 56 78")
        self.assertEqual(form.phone_e164, "+33612345678")
        self.assertTrue(form.sms_available)
        preview = form.sms_preview
        self.assertIn("https://pay.example.com/pay/" + "x" * 22, preview)
        encoding, units, segments = utils.sms_segments(preview)
        self.assertIn(f"{units} characters, {segments} SMS ({encoding})", form.sms_info)
        self.assertIn("charges each SMS segment", form.sms_info)
        wizard = form.save()
        with self.mock_gateways():
            action = wizard.action_send()
            self.process_outboxes()
        sent = self._sms[0]["body"]
        url = action["params"]["links"][0]["url"]
        expected = preview.replace("https://pay.example.com/pay/" + "x" * 22, url)
        self.assertSMSIapSent(["+33612345678"], content=expected)
        self.assertEqual(sent, expected)
        self.assertEqual(action["tag"], "payment_link_sms.sent_dialog")
        self.assertEqual(utils.sms_segments(sent)[1], units)

    def test_sent_dialog_is_the_only_place_with_the_full_link(self):
        with self.mock_gateways():
            action = self._wizard().save().action_send()
        link_info = action["params"]["links"][0]
        link = self.env["payment.link"].browse(link_info["id"])
        token = link_info["url"].rsplit("/", 1)[1]
        self.assertEqual(utils.hash_token(token), link.sudo().token_hash)
        self.assertEqual(link.url, link.masked_url, "afterwards the link shows masked")
        # The wizard's previews are computed with a placeholder, so looking for the token in
        # them proves nothing: read what the wizard stored, every column of its rows.
        wizards = self.env["payment.link.send"].search([])
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT row_to_json(w)::text FROM payment_link_send w WHERE id IN %s",
            [tuple(wizards.ids)],
        )
        stored = " ".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn(f'"res_ids":"[{self.invoice.id}]"', stored.replace(" ", ""))
        self.assertNotIn(token, stored)
        self.assertNotIn(utils.hash_token(token), stored)

    def test_no_valid_number_hides_sms_and_falls_back_to_email(self):
        self.customer.write({"mobile": False, "phone": False})
        form = self._wizard()
        self.assertFalse(form.sms_available)
        self.assertEqual(form.channel, "email")
        self.assertIn("has no mobile or phone number", form.phone_error)
        form.channel = "sms"  # the sender picks SMS back: the number field shows
        form.phone = "06 98 76 54 32"
        self.assertTrue(form.sms_available)
        self.assertEqual(form.phone_e164, "+33698765432")

    def test_contact_of_the_customer_can_be_chosen(self):
        accountant = self.env["res.partner"].create(
            {
                "name": "Compta Martin",
                "parent_id": self.customer.id,
                "type": "invoice",
                "mobile": "07 81 00 00 01",
                "email": "compta@martin.example.com",
            }
        )
        form = self._wizard()
        form.channel = "both"
        form.recipient_partner_id = accountant
        self.assertEqual(form.phone, "07 81 00 00 01")
        self.assertEqual(form.email, "compta@martin.example.com")
        with self.mock_gateways():
            form.save().action_send()
            self.process_outboxes()
        self.assertEqual(len(self._sms), 1)
        self.assertSMSIapSent(["+33781000001"])
        self.assertEqual(self._mails[0]["email_to"], ["compta@martin.example.com"])

    def test_email_preview_in_the_customer_language(self):
        form = self._wizard()
        form.channel = "email"
        self.assertIn("demande de paiement", form.email_subject_preview)
        self.assertIn("Payer maintenant", form.email_body_preview)

    def test_replacing_a_live_link_asks_first(self):
        with self.mock_gateways():
            old = self.link_of(self.send_link()[0])
            wizard = self._wizard().save()
            self.assertTrue(wizard.has_live_link)
            wizard.action_send_replace()
        self.assertEqual(old.state, "cancelled")
        self.assertEqual(self.invoice.payment_link_state, "sent")

    def test_several_invoices_at_once(self):
        other = self._create_posted_invoice(self.customer_nb, 50.0)
        draft = self._create_posted_invoice(self.customer, 5.0, post=False)
        form = self._wizard(self.invoice + other + draft)
        self.assertEqual(form.document_count, 3)
        self.assertIn("is a draft", form.refusal_preview)
        with self.mock_gateways():
            action = form.save().action_send()
            self.process_outboxes()
        self.assertEqual(len(action["params"]["links"]), 2)
        self.assertEqual(len(action["params"]["refused"]), 1)
        self.assertEqual(len(self._sms), 2)
        self.assertSMSIapSent(["+33612345678", "+4741234567"])

    def test_document_ids_are_a_literal_never_an_expression(self):
        """``res_ids`` is read with ``ast.literal_eval``: an expression (what ``safe_eval``
        would run) names no document."""
        other = self._create_posted_invoice(self.customer_nb, 50.0)
        wizard = self._wizard().save()
        self.assertEqual(wizard.document_count, 1)
        wizard.res_ids = repr([self.invoice.id, other.id])
        self.assertEqual(wizard.document_count, 2)
        for expression in (
            f"[{self.invoice.id}] + [{other.id}]",
            f"list(range({self.invoice.id}, {other.id} + 1))",
            f"[{self.invoice.id} if True else 0]",
        ):
            wizard.res_ids = expression
            self.assertEqual(wizard.document_count, 0, expression)
