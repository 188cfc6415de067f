# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

# Desk payment requests (payment.request): a sum asked at a desk or on a call, without document.
REQUEST_STATES = [
    ("draft", "Draft"),
    ("active", "Sent"),
    ("in_progress", "In progress"),
    ("paid", "Paid"),
    ("failed", "Payment failed"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
    ("refunded", "Refunded"),
]
# The requests that count against a queue's capacity: sent and not closed.
REQUEST_OPEN_STATES = ("active", "in_progress", "failed")
# The explanation shown to the customer, counted in characters (an accented letter is one).
REQUEST_EXPLANATION_MAX_LENGTH = 500
# System parameter: what the SMS provider charges per SMS segment (in the company's currency).
# Its key keeps the engine's prefix: administrators have set it under that name.
SMS_SEGMENT_PRICE_PARAM = "payment_link_sms.sms_segment_price"
