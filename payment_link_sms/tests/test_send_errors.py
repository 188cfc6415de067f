# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestSendErrors(PaymentLinkCommon):
    """Every bad input is refused with a message naming the document or partner, and leaves
    nothing behind: no link, no event, no SMS, no email, no chatter note."""

    def assertNothingSent(self, documents):
        self.assertFalse(
            self.env["payment.link"].search([("res_id", "in", documents.ids)]),
            "no link was created",
        )
        self.assertFalse(self.env["payment.link.event"].search([]))
        self.assertEqual(self._sms, [])
        self.assertEqual(self._mails, [])
        self.assertFalse(self.env["sms.sms"].sudo().search([("state", "=", "outgoing")]))

    def assertRefused(self, documents, message, **kwargs):
        with self.mock_gateways(), self.assertRaises(UserError) as error:
            self.send_link(documents, **kwargs)
        self.assertIn(message, str(error.exception))
        self.assertNothingSent(documents)
        return str(error.exception)

    def test_draft_invoice_is_refused(self):
        draft = self._create_posted_invoice(self.customer, 10.0, post=False)
        self.assertRefused(draft, "is a draft: confirm it before sending a payment link")

    def test_cancelled_invoice_is_refused(self):
        invoice = self._create_posted_invoice(self.customer, 10.0)
        invoice.button_cancel()
        self.assertRefused(invoice, f"{invoice.name} is cancelled")

    def test_paid_invoice_is_refused(self):
        invoice = self._create_posted_invoice(self.customer, 10.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertRefused(invoice, f"{invoice.name} is already paid")

    def test_vendor_bill_and_credit_note_are_refused(self):
        bill = self.init_invoice("in_invoice", partner=self.customer, amounts=[50.0], post=True)
        self.assertRefused(bill, "is not a customer invoice")
        refund = self.init_invoice("out_refund", partner=self.customer, amounts=[50.0], post=True)
        self.assertRefused(refund, "is not a customer invoice")

    def test_missing_number_names_the_partner(self):
        self.customer.write({"mobile": False, "phone": False})
        self.assertRefused(self.invoice, "Camille Martin has no mobile or phone number")

    def test_invalid_number_names_the_partner(self):
        self.customer.mobile = "12"
        message = self.assertRefused(self.invoice, "The number 12 of Camille Martin is not valid")
        self.assertIn("not enough digits", message)

    def test_typed_invalid_number_is_refused(self):
        self.assertRefused(
            self.invoice, "The number +33 1 of Camille Martin is not valid", phone="+33 1"
        )

    def test_blacklisted_number_is_refused(self):
        self.env["phone.blacklist"].sudo().add("+33612345678")
        self.assertRefused(self.invoice, "+33612345678 of Camille Martin is blacklisted for SMS")

    def test_missing_or_invalid_email_is_refused(self):
        self.customer.email = False
        self.assertRefused(self.invoice, "Camille Martin has no email address", channel="email")
        self.customer.email = "not-an-address"
        self.assertRefused(
            self.invoice,
            "The email address not-an-address of Camille Martin is not valid",
            channel="email",
        )

    def test_blacklisted_email_is_refused(self):
        self.env["mail.blacklist"].sudo()._add("camille.martin@example.com")
        self.assertRefused(self.invoice, "is blacklisted", channel="both")

    def test_unknown_channel_is_refused(self):
        self.assertRefused(self.invoice, "Unknown channel fax", channel="fax")

    def test_national_number_uses_partner_then_company_country(self):
        self.customer_nb.mobile = "412 34 567"
        invoice_nb = self._create_posted_invoice(self.customer_nb, 10.0)
        self.customer_en.write({"country_id": False, "phone": "06 98 76 54 32"})
        invoice_en = self._create_posted_invoice(self.customer_en, 10.0)
        with self.mock_gateways():
            answers = self.send_link(invoice_nb + invoice_en)
        links = self.env["payment.link"].browse([a["link_id"] for a in answers])
        self.assertEqual(links.mapped("phone"), ["+4741234567", "+33698765432"])

    def test_multi_send_sends_the_valid_ones_and_lists_the_refused(self):
        draft = self._create_posted_invoice(self.customer, 10.0, post=False)
        no_number = self.env["res.partner"].create({"name": "Nobody Reachable"})
        unreachable = self._create_posted_invoice(no_number, 20.0)
        other = self._create_posted_invoice(self.customer_nb, 30.0)
        invoices = self.invoice + draft + unreachable + other
        with self.mock_gateways():
            answers = self.send_link(invoices)
        self.assertEqual([a["document_id"] for a in answers], invoices.ids)
        by_doc = {a["document_id"]: a for a in answers}
        self.assertTrue(by_doc[self.invoice.id]["link_id"])
        self.assertTrue(by_doc[other.id]["link_id"])
        self.assertFalse(by_doc[draft.id]["link_id"])
        self.assertIn("is a draft", by_doc[draft.id]["error"])
        self.assertIn("Nobody Reachable has no mobile", by_doc[unreachable.id]["error"])
        self.assertFalse(
            self.env["payment.link"].search([("res_id", "in", (draft + unreachable).ids)])
        )
        self.assertEqual(len(self._sms), 2)
        self.assertEqual(draft.payment_link_state, False)

    def test_all_refused_lists_every_reason(self):
        draft = self._create_posted_invoice(self.customer, 10.0, post=False)
        bill = self.init_invoice("in_invoice", partner=self.customer, amounts=[50.0], post=True)
        message = self.assertRefused(draft + bill, "is a draft")
        self.assertIn("is not a customer invoice", message)

    def test_live_link_needs_confirmation_in_the_wizard(self):
        with self.mock_gateways():
            first = self.link_of(self.send_link()[0])
            wizard = (
                self.env["payment.link.send"]
                .with_context(active_model="account.move", active_ids=self.invoice.ids)
                .create({})
            )
            self.assertTrue(wizard.has_live_link)
            self.assertIn(first.name, wizard.live_link_warning)
            with self.assertRaises(UserError) as error:
                wizard.action_send()
        self.assertIn("already has a live payment link", str(error.exception))
        self.assertEqual(first.state, "sent")
        self.assertEqual(len(self.invoice.payment_link_ids), 1)

    def test_other_company_invoice_is_refused(self):
        other = self.setup_other_company(name="Other Co")["company"]
        customer = self.customer.copy({"company_id": other.id})
        invoice = self._create_posted_invoice(customer, 50.0, company=other)
        self.billing_user.company_ids = self.company
        with self.mock_gateways(), self.assertRaises(AccessError):
            invoice.with_user(self.billing_user).send_payment_link("sms")
        self.assertFalse(invoice.sudo().payment_link_ids)
