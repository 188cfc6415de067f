# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every fixed value of the sale bridge, in one place."""

# Orders that are still quotations (the payment itself may confirm them).
QUOTATION_STATES = ("draft", "sent")
# Context key: the quotations are being confirmed before the link is sent (confirm and send):
# the core's hooks (refusal, amount due, expiry) then answer for the confirmed order.
CONFIRM_CONTEXT_KEY = "payment_link_confirm"
# The pay page state of a link cancelled because its order's amount changed.
PAGE_STATE_AMOUNT_CHANGED = "amount_changed"
