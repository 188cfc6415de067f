# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Paying with a keyboard only (issue 23): Tab, Shift+Tab, Space and Enter, a visible focus
ring at every step, never under a sticky element, the Pay button in a sensible order."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .a11y_browser import DESKTOP, PHONE, page_browser
from .common import PayPageCommon

PAY_BUTTON = "button[name='o_payment_submit_button']"


@tagged("post_install", "-at_install")
class TestKeyboardOnlyPayment(PayPageCommon):
    def tab_to(self, page, matches, limit=40, shift=False):
        """Press Tab (or Shift+Tab) until the focused element ``matches`` (a predicate on its
        state); every element focused on the way shows a ring and is not hidden.

        :return: the states of the elements focused on the way, the last one matching.
        """
        visited = []
        for _step in range(limit):
            page.press("Tab", shift=shift)
            state = page.focus_state()
            if state is None:
                continue
            visited.append(state)
            self.assertTrue(state["ring"], f"no visible focus ring on {state}")
            self.assertFalse(state["covered"], f"focus hidden under a sticky element: {state}")
            self.assertTrue(state["inView"], f"focus out of view: {state}")
            if matches(state):
                return visited
        self.fail(f"not reached by keyboard; focus went through {visited}")

    def pay_by_keyboard(self, page, simulated_state_steps=0):
        """From the top of the pay page: Tab to the card field, type, (choose the demo's
        answer with the arrow keys of its select), Tab to Pay and press Enter."""
        visited = self.tab_to(page, lambda s: s["id"] == "customer_input")
        page.type_text("4242424242424242")
        if simulated_state_steps:
            visited += self.tab_to(page, lambda s: s["id"] == "simulated_payment_state")
            for _step in range(simulated_state_steps):
                page.press("ArrowDown")
        visited += self.tab_to(page, lambda s: s["name"] == "o_payment_submit_button")
        page.press("Enter")
        return visited

    def test_pay_from_the_link_to_the_receipt_with_the_keyboard(self):
        with page_browser(self) as page:
            page.open(f"/pay/{self.token}", size=DESKTOP)
            page.screenshot("a11y_kbd_pay_page")
            # What the live region says while paying, kept across the page change.
            page.evaluate(
                """(() => {
                    const region = document.querySelector(".o_payment_link_announce");
                    new MutationObserver(() => {
                        if (region.textContent) {
                            sessionStorage.setItem("announced", region.textContent);
                        }
                    }).observe(region, { childList: true, characterData: true, subtree: true });
                    return true;
                })()"""
            )
            visited = self.pay_by_keyboard(page)
            names = [s["id"] or s["name"] or s["label"] for s in visited]
            # A sensible order: the payment method, its details, then Pay; the footer after.
            self.assertLess(names.index("customer_input"), names.index("o_payment_submit_button"))
            self.assertNotIn("Accessibility", names, "the footer comes after Pay")
            page.wait_for("document.querySelector('.o_payment_link_paid')", what="the receipt")
            page.screenshot("a11y_kbd_receipt")
            self.assertEqual(
                page.evaluate("sessionStorage.getItem('announced')"),
                "Processing your payment, please wait.",
                "the payment's progress is announced (aria-live)",
            )
            # Shift+Tab goes back, and the receipt's download is reached with a ring.
            self.tab_to(page, lambda s: "o_payment_link_pdf" in s["classes"])
            back = self.tab_to(page, lambda s: True, shift=True)
            self.assertTrue(back[-1]["ring"])
        # What the server wrote while the browser paid, not this test's cache.
        self.env.invalidate_all()
        self.assertEqual(self.link.state, "paid")

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_declined_then_try_again_with_the_keyboard(self):
        with page_browser(self) as page:
            page.open(f"/pay/{self.token}", size=PHONE)
            # The demo's "Payment Status": Successful, Pending, Cancelled, Error.
            self.pay_by_keyboard(page, simulated_state_steps=3)
            page.wait_for("document.querySelector('.o_payment_link_failed')", what="the failure")
            page.screenshot("a11y_kbd_failed")
            self.tab_to(page, lambda s: "o_payment_link_try_again" in s["classes"])
            page.press("Space")
            page.wait_for(
                "document.querySelector('.o_payment_link_amount') && "
                "document.querySelector(\"button[name='o_payment_submit_button']\")",
                what="the pay page again",
            )
            page.wait_for("document.readyState === 'complete'")
            self.pay_by_keyboard(page)
            page.wait_for("document.querySelector('.o_payment_link_paid')", what="the receipt")
        # What the server wrote while the browser paid, not this test's cache.
        self.env.invalidate_all()
        self.assertEqual(self.link.state, "paid")
        self.assertEqual(self.link.transaction_ids.mapped("state"), ["done", "error"])
