# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo.tests import Form, tagged

from odoo.addons.payment_link_sms import utils

from .common import PaymentLinkSaleCommon

URL_RE = re.compile(r"pay\.example\.com/pay/([A-Za-z0-9_-]{22})")


@tagged("post_install", "-at_install")
class TestQuotationEmailTemplate(PaymentLinkSaleCommon):
    def _send_by_email(self, order, template_xmlid):
        """The quotation's own "Send by Email", with the given template."""
        action = order.action_quotation_send()
        composer = Form(self.env["mail.compose.message"].with_context(**action["context"]))
        composer.template_id = self.env.ref(template_xmlid)
        with self.mock_gateways():
            composer.save().action_send_mail()
            self.process_outboxes()

    def test_quotation_email_with_the_pay_now_button(self):
        self._send_by_email(self.booking, "payment_link_sms_sale.mail_template_sale_payment_link")
        link = self.booking.payment_link_ids
        self.assertEqual(len(link), 1, "one link per document")
        self.assertEqual((link.state, link.channel), ("sent", "email"))
        mail = self._mails[0]
        self.assertIn("Payer maintenant", mail["body"], "in the customer's language")
        token = URL_RE.search(mail["body"]).group(1)
        self.assertNotIn(utils.LINK_MARKER_PREFIX, mail["body"])
        self.assertEqual(self.env["payment.link.token"]._find_link(token), link)
        self.token, self.link = token, link
        page = self.open_page()
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.booking.name, page.text)
        message = self.booking.message_ids.filtered(
            lambda m: "o_payment_link_button" in (m.body or "")
        )
        self.assertTrue(message)
        self.assertNotIn(token, message.body)
        self.assertEqual(link.event_ids.filtered(lambda e: e.event_type == "sent").channel, "email")

    def test_norwegian_customer_gets_the_norwegian_email(self):
        booking = self._create_booking(partner=self.customer_nb)
        self._send_by_email(booking, "payment_link_sms_sale.mail_template_sale_payment_link")
        self.assertIn("Betal nå", self._mails[0]["body"])
        self.assertTrue(URL_RE.search(self._mails[0]["body"]))
