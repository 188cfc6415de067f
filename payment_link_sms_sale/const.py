# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every fixed value of the sale bridge, in one place."""

# Orders that are still quotations (the payment itself may confirm them).
QUOTATION_STATES = ("draft", "sent")
# The pay page state of a link cancelled because its order's amount changed.
PAGE_STATE_AMOUNT_CHANGED = "amount_changed"
