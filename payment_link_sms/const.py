# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every fixed value of the addon, in one place."""

DEFAULT_VALIDITY_DAYS = 60
MIN_VALIDITY_DAYS = 1
MAX_VALIDITY_DAYS = 365

CHANNELS = [
    ("sms", "SMS"),
    ("email", "Email"),
    ("both", "SMS and email"),
]
DEFAULT_CHANNEL = "sms"
# What carries a further token of a link (see payment.link.token).
TOKEN_CHANNELS = [*CHANNELS, ("print", "Printed document")]

# Bytes of randomness of a link token: 16 bytes = 128 bits, 22 URL-safe characters.
TOKEN_BYTES = 16
TOKEN_HINT_LENGTH = 4
MASK_PREFIX = "\u2026"  # "…", as contact-centre tools show a link: …Ab3F
ROUTE_PREFIX = "/pay/"

STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("opened", "Opened"),
    ("paid", "Paid"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
]
LIVE_STATES = ("draft", "sent", "opened")
FINAL_STATES = ("paid", "expired", "cancelled")
# Allowed source states of each target state; anything else is refused (a repeat is a no-op).
# A payment confirmed by the provider is always recorded, even on a link that expired or was
# cancelled while the customer was paying: the money was taken, the link must say so.
STATE_TRANSITIONS = {
    "sent": ("draft",),
    "opened": ("sent",),
    "paid": ("draft", "sent", "opened", "expired", "cancelled"),
    "expired": LIVE_STATES,
    "cancelled": LIVE_STATES,
}

DELIVERY_STATES = [
    ("queued", "Queued"),
    ("accepted", "Accepted by provider"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
]

EVENT_TYPES = [
    ("created", "Created"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("delivery_failed", "Delivery failed"),
    ("opened", "Opened"),
    ("payment_started", "Payment started"),
    ("payment_pending", "Payment pending"),
    ("paid", "Paid"),
    ("payment_failed", "Payment failed"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
    ("resent", "Resent"),
    ("reminder", "Reminder sent"),
    ("printed", "Printed"),
]
# Events that notify the salesperson and the sender.
NOTIFIED_EVENTS = ("opened", "paid", "payment_failed", "delivery_failed")

# What a document's link summary (state, expiry, dates) depends on.
DOCUMENT_LINK_DEPENDS = (
    "payment_link_ids.state",
    "payment_link_ids.expiration_date",
    "payment_link_ids.sent_date",
    "payment_link_ids.paid_date",
    "payment_link_ids.paid_transaction_id",
)

# Transaction states that block a new payment attempt on the same link.
BUSY_TX_STATES = ("pending", "authorized", "done")

# Rate limiting of the public route: misses from one address in a sliding window.
MISS_WINDOW_MINUTES = 10
MISS_LIMIT = 20
OPEN_EVENT_DEBOUNCE_SECONDS = 60

# Documents sent per batch by a bulk send (the ORM cache is emptied between two batches, so
# that memory stays flat); the system parameter payment_link_sms.send_batch_size overrides it.
SEND_BATCH_SIZE = 100

# Message body bounds for SMS, in GSM-7 units.
SMS_MAX_SEGMENTS = 2

USER_AGENT_MAX_LENGTH = 255

# Outbound webhooks: the link events an endpoint can receive, as (type sent, link event types).
WEBHOOK_EVENTS = {
    "link.sent": ("sent",),
    "link.delivered": ("delivered",),
    "link.delivery_failed": ("delivery_failed",),
    "link.opened": ("opened",),
    "link.payment_failed": ("payment_failed",),
    "link.paid": ("paid",),
    "link.expired": ("expired",),
    "link.cancelled": ("cancelled",),
}
# Header of the signature, in Stripe's scheme: "t=<unix time>,v1=<hex HMAC-SHA256>" of
# "<unix time>.<raw body>" with the endpoint's secret.
WEBHOOK_SIGNATURE_HEADER = "Paylink-Signature"
WEBHOOK_EVENT_ID_HEADER = "Paylink-Event-Id"
WEBHOOK_SECRET_PREFIX = "whsec_"
WEBHOOK_TIMEOUT_SECONDS = 10
# Retries: 1 minute after the first failure, doubling up to 6 hours between two attempts, for
# up to 3 days after the event; an endpoint failing without a success for 3 days is disabled.
WEBHOOK_FIRST_RETRY_SECONDS = 60
WEBHOOK_MAX_RETRY_SECONDS = 6 * 3600
WEBHOOK_RETRY_DAYS = 3
WEBHOOK_DISABLE_DAYS = 3
WEBHOOK_BATCH_SIZE = 50
WEBHOOK_ERROR_MAX_LENGTH = 500
