# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every fixed value of the Stripe bridge, in one place."""

# Webhook events of link payments: how far the signed timestamp may be from our clock, in
# both directions (Stripe's own libraries use 300 s; Odoo accepts 600 s, and any future time).
WEBHOOK_TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "Stripe-Signature"
# The only signature scheme Stripe uses for live events; v0 entries are test-mode leftovers.
SIGNATURE_SCHEME = "v1"

# Cancelling the PaymentIntent of a replaced attempt.
INTENT_CANCELLATION_REASON = "abandoned"
# Statuses of a PaymentIntent that Stripe no longer lets us cancel because the customer
# completed it: the attempt is left to finish and the new one refused.
INTENT_COMPLETED_STATUSES = ("processing", "succeeded")
# Error codes meaning that the PaymentIntent does not exist (any more): nothing to cancel.
INTENT_GONE_ERROR_CODES = ("resource_missing",)

# Stripe's error and decline codes (last_payment_error.code / .decline_code) -> failure kind
# (payment_link_sms's const.FAILURE_KINDS).
FAILURE_CODES = {
    "insufficient_funds": "insufficient_funds",
    "expired_card": "expired_card",
    "incorrect_cvc": "incorrect_cvc",
    "invalid_cvc": "incorrect_cvc",
    "authentication_required": "authentication_failed",
    "payment_intent_authentication_failure": "authentication_failed",
    "card_declined": "declined",
    "generic_decline": "declined",
    "do_not_honor": "declined",
    "lost_card": "declined",
    "stolen_card": "declined",
    "fraudulent": "declined",
    "card_not_supported": "declined",
    "card_velocity_exceeded": "declined",
}

# What the pay page's Content-Security-Policy allows for Stripe's payment form (Stripe.js and
# its frames): {directive: [sources]} (payment.provider._payment_link_csp_sources).
CSP_SOURCES = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}
