# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

# Outbound webhooks: the link events an endpoint can receive, as (type sent, link event types).
WEBHOOK_EVENTS = {
    "link.sent": ("sent",),
    "link.delivered": ("delivered",),
    "link.delivery_failed": ("delivery_failed",),
    "link.opened": ("opened",),
    "link.payment_failed": ("payment_failed",),
    "link.paid": ("paid",),
    "link.partly_paid": ("partly_paid",),
    "link.refunded": ("refunded",),
    "link.expired": ("expired",),
    "link.cancelled": ("cancelled",),
}
# Header of the signature, in Stripe's scheme: "t=<unix time>,v1=<hex HMAC-SHA256>" of
# "<unix time>.<raw body>" with the endpoint's secret.
WEBHOOK_SIGNATURE_HEADER = "Paylink-Signature"
WEBHOOK_EVENT_ID_HEADER = "Paylink-Event-Id"
WEBHOOK_SECRET_PREFIX = "whsec_"
# One attempt, connection to the last byte read, never lasts longer than this (not per read).
WEBHOOK_TIMEOUT_SECONDS = 10
# The answer's body is never stored: at most this much of it is read (and dropped).
WEBHOOK_MAX_ANSWER_BYTES = 16 * 1024
WEBHOOK_REASON_MAX_LENGTH = 100
# Seconds one endpoint may take in one run of the delivery cron: past it (or after a failure),
# its other deliveries wait for the next run, so that one endpoint never delays another.
WEBHOOK_ENDPOINT_SECONDS_PER_RUN = 30
# System parameter: comma-separated hosts (names or addresses) an administrator allows over
# http:// and on a non-public address (receivers on the company's own network).
WEBHOOK_ALLOWED_HOSTS_PARAM = "payment_link_sms.webhook_allowed_hosts"
# Retries: 1 minute after the first failure, doubling up to 6 hours between two attempts, for
# up to 3 days after the event; an endpoint failing without a success for 3 days is disabled.
WEBHOOK_FIRST_RETRY_SECONDS = 60
WEBHOOK_MAX_RETRY_SECONDS = 6 * 3600
WEBHOOK_RETRY_DAYS = 3
WEBHOOK_DISABLE_DAYS = 3
WEBHOOK_BATCH_SIZE = 50
WEBHOOK_ERROR_MAX_LENGTH = 500

# Link event type -> webhook event type.
WEBHOOK_TYPE_OF = {
    event_type: webhook_type
    for webhook_type, event_types in WEBHOOK_EVENTS.items()
    for event_type in event_types
}
