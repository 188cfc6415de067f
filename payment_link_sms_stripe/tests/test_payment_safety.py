# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StripeLinkCommon


@tagged("post_install", "-at_install")
class TestStripePaymentSafety(StripeLinkCommon):
    def setUp(self):
        super().setUp()
        # Refused payments are answered as JSON-RPC errors, which Odoo logs as warnings.
        self.enterContext(mute_logger("odoo.http"))

    def cancel_calls(self):
        return [call for call in self.stripe_api.calls if call[1].endswith("/cancel")]

    def test_junk_parameters_never_cancel_the_attempt_in_progress(self):
        first = self.start_stripe_payment()
        self.customer_confirms(first, status="requires_action")  # at the bank, for 3-D Secure
        for params in (
            {"amount": "nan"},
            {"amount": "9" * 10000},
            {"flow": "token"},
            {"provider_id": self.demo_provider.id},  # with a card: not what the page offered
            {"partner_id": self.customer_en.id},
        ):
            with self.subTest(params=str(params)[:40]):
                self.assertIn("error", self.start_payment(**params))
        self.assertFalse(self.cancel_calls())
        self.assertEqual(
            self.stripe_api.intents[first.provider_reference]["status"], "requires_action"
        )
        self.assertEqual(self.link.transaction_ids, first)

    def test_expiring_the_link_cancels_its_attempt_at_stripe(self):
        tx = self.start_stripe_payment()
        self.link.action_expire()
        self.assertEqual(self.stripe_api.intents[tx.provider_reference]["status"], "canceled")
        self.assertEqual(tx.state, "cancel")

    @mute_logger("odoo.addons.payment_link_sms_stripe.models.payment_transaction")
    def test_attempt_completed_at_stripe_meanwhile_is_recorded_after_the_link_closed(self):
        tx = self.start_stripe_payment()
        self.customer_confirms(tx, status="succeeded")
        self.link.action_expire()  # Stripe refuses to cancel it: it stays open
        self.assertEqual(self.link.state, "expired")
        self.assertEqual(tx.state, "draft")
        self.return_from_stripe(tx)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_link_outcome, "paid_after_close")
        self.assertTrue(self.link.paid_after_close)
        self.assertFalse(tx.invoice_ids)

    def test_provider_form_warns_without_webhook_secret(self):
        arch = self.env["payment.provider"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("o_payment_link_stripe_no_webhook_secret", arch)
        self.assertIn("processed by Odoo's own Stripe route without", arch)
        self.assertIn("stripe_webhook_secret", arch)
