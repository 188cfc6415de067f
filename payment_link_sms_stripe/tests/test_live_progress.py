# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StripeLinkCommon


@tagged("post_install", "-at_install")
class TestStripeLiveProgress(StripeLinkCommon):
    """What the agent's live view learns from Stripe: why a card failed (its codes), and the
    bank asking for 3-D Secure."""

    def setUp(self):
        super().setUp()
        self.enterContext(mute_logger("odoo.http"))

    def failed_event(self):
        return self.link.event_ids.filtered(lambda e: e.event_type == "payment_failed")

    def test_a_decline_is_named_by_stripe_codes(self):
        tx = self.start_stripe_payment()
        # Stripe's message says "declined"; its decline code says why.
        self.customer_confirms(
            tx,
            status="requires_payment_method",
            last_payment_error={
                "message": "Your card was declined.",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
            },
        )
        self.assertEqual(
            self.post_event(self.make_event(tx, "payment_intent.payment_failed")).status_code, 200
        )
        self.assertEqual(self.failed_event().failure_kind, "insufficient_funds")
        progress = self.env["payment.link"].get_payment_link_progress("payment.link", self.link.id)
        self.assertEqual(progress["current"]["failure_label"], "Insufficient funds")

    def test_3ds_asked_is_a_step(self):
        tx = self.start_stripe_payment()
        self.customer_confirms(tx, status="requires_action")
        self.return_from_stripe(tx)
        steps = self.link.event_ids.filtered(lambda e: e.event_type == "authentication")
        self.assertEqual(len(steps), 1)
        self.assertEqual(tx.state, "draft")

    def test_failure_kind_reads_stripe_codes_before_the_message(self):
        tx = self.start_stripe_payment()
        cases = {
            ("Your card was declined.", "insufficient_funds,card_declined"): "insufficient_funds",
            ("x", "expired_card"): "expired_card",
            ("x", "incorrect_cvc"): "incorrect_cvc",
            ("x", "payment_intent_authentication_failure"): "authentication_failed",
            ("Your card has expired.", "unknown_code"): "expired_card",
            ("Your card was declined.", False): "declined",
        }
        for (message, codes), kind in cases.items():
            with self.subTest(message=message, codes=codes):
                tx.write({"state_message": message, "payment_link_failure_codes": codes})
                self.assertEqual(tx._payment_link_failure_kind(), kind)
