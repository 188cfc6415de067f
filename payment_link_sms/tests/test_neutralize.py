# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.modules.neutralize import neutralize_database
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentLinkCommon


@tagged("post_install", "-at_install")
class TestNeutralize(PaymentLinkCommon):
    """A neutralized copy (Odoo's ``neutralize`` command, as staging databases are made) sends
    no SMS or email of ours."""

    def test_a_neutralized_copy_sends_nothing(self):
        with self.mock_gateways():
            answer = self.send_link(channel="both", process=False)[0]
        link = self.link_of(answer)
        self.env.flush_all()
        sms = self.env["sms.sms"].sudo().search([("number", "=", link.phone)])
        mails = self.env["mail.mail"].sudo().search([("payment_link_id", "=", link.id)])
        self.assertEqual(set(sms.mapped("state")), {"outgoing"})
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})

        with mute_logger("odoo.modules.neutralize"):
            neutralize_database(self.env.cr)
        self.env.invalidate_all()

        self.assertEqual(set(sms.mapped("state")), {"canceled"})
        self.assertEqual(set(mails.mapped("state")), {"cancel"})
        with self.mock_gateways():
            self.process_outboxes()
        self.assertFalse(self._sms, "no SMS leaves a neutralized copy")
        self.assertFalse(self._mails, "no email leaves a neutralized copy")
