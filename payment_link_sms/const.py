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
TOKEN_CHANNELS = [
    *CHANNELS,
    ("print", "Printed document"),
    ("retry", "New attempt after a failed payment"),
]

# Bytes of randomness of a link token: 16 bytes = 128 bits, 22 URL-safe characters.
TOKEN_BYTES = 16
TOKEN_HINT_LENGTH = 4
# The code printed on documents, for a person to type: a token too (a bearer secret), in an
# alphabet without look-alikes (no 0/O, 1/I/L, no lower case), grouped by 4.
# 28 characters of 31 = 138 bits (>= 128).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 28
CODE_GROUP = 4
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
# Allowed source states of each target state; anything else is refused (a repeat is a no-op).
# A payment confirmed by the provider on a link that expired or was cancelled while the customer
# was paying is recorded on its transaction, not as the link's payment: the link stays closed and
# is flagged "paid after it was closed" (see payment.transaction._payment_link_record_extra).
STATE_TRANSITIONS = {
    "sent": ("draft",),
    "opened": ("sent",),
    "paid": LIVE_STATES,
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
    ("partly_paid", "Partly paid"),
    ("paid_twice", "Paid twice"),
    ("paid_after_close", "Paid after it was closed"),
    ("refunded", "Refunded"),
    ("preview", "Link preview"),
    # The customer's progress on the pay page (see PAGE_STEPS), and a refund's failure.
    ("method_chosen", "Payment method chosen"),
    ("details_entering", "Entering payment details"),
    ("authentication", "Authentication asked (3-D Secure)"),
    ("page_left", "Customer left the page"),
    ("page_back", "Customer back on the page"),
    ("refund_failed", "Refund failed"),
    ("authentication_required", "Authentication required"),
    ("card_saved", "Card saved"),
    ("card_failed", "Card not saved"),
    ("receipt_sent", "Receipt sent"),
]
# What the pay page's own script may report (POST /pay/progress): these step names only, never
# anything typed. The steps before and after (delivered, opened, paid, failed, refunded) come
# from the server's own events.
PAGE_STEPS = ("method_chosen", "details_entering", "authentication", "page_left", "page_back")
# Rate limit of /pay/progress, per link and client network (payment.link.throttle), and the
# bounded audit of the steps: a step equal to the link's latest page step is not logged again,
# and at most PAGE_STEP_EVENTS_PER_WINDOW steps per link within AUDIT_WINDOW_MINUTES.
PAGE_STEP_LIMIT = 60
PAGE_STEP_EVENTS_PER_WINDOW = 40
# The events that the agent's "Customer progress" shows (in this order of the journey).
PROGRESS_EVENT_TYPES = (
    "sent",
    "resent",
    "reminder",
    "delivered",
    "delivery_failed",
    "opened",
    *PAGE_STEPS,
    "payment_started",
    "payment_pending",
    "payment_failed",
    "partly_paid",
    "paid",
    "paid_twice",
    "paid_after_close",
    "refunded",
    "refund_failed",
    "expired",
    "cancelled",
)
# The bus: notifications of a link's progress go to the subchannel PROGRESS_SUBCHANNEL of the
# link and of its document; a web client asks for them as "<PROGRESS_CHANNEL_PREFIX><model>:<id>"
# and gets them only where it may read the record (ir.websocket._build_bus_channel_list).
PROGRESS_SUBCHANNEL = "payment_link_progress"
PROGRESS_CHANNEL_PREFIX = "payment_link_sms.progress:"
PROGRESS_NOTIFICATION = "payment_link_sms.progress"
# Why a payment failed, in plain words (from the provider's codes or message, see
# utils.failure_kind); what to tell the customer for each is payment.link._failure_checklist.
FAILURE_KINDS = [
    ("declined", "Card declined"),
    ("insufficient_funds", "Insufficient funds"),
    ("authentication_failed", "Authentication failed"),
    ("expired_card", "Expired card"),
    ("incorrect_cvc", "Wrong security code (CVC)"),
    ("cancelled", "Payment cancelled"),
    ("other", "Payment failed"),
]
# Failure kinds from a provider's message (lower case substrings, first match wins); a
# provider bridge reads its provider's codes first (payment.transaction._payment_link_failure_kind).
FAILURE_MESSAGE_WORDS = (
    ("insufficient", "insufficient_funds"),
    ("expired", "expired_card"),
    ("security code", "incorrect_cvc"),
    ("cvc", "incorrect_cvc"),
    ("cvv", "incorrect_cvc"),
    ("authenticat", "authentication_failed"),
    ("3-d secure", "authentication_failed"),
    ("3d secure", "authentication_failed"),
    ("declined", "declined"),
    ("refused", "declined"),
    ("do not honor", "declined"),
)
# What a document's link summary (state, expiry, dates) depends on.
DOCUMENT_LINK_DEPENDS = (
    "payment_link_ids.state",
    "payment_link_ids.expiration_date",
    "payment_link_ids.sent_date",
    "payment_link_ids.paid_date",
    "payment_link_ids.paid_transaction_id",
    "payment_link_ids.is_partly_paid",
)

# Transaction states that block a new payment attempt on the same link.
BUSY_TX_STATES = ("pending", "authorized", "done")
# A payment left pending by its provider (a wire transfer waiting for the money) blocks a new
# attempt for this many days only; after that the customer may pay another way. The pending
# attempt stays open: if it completes after another one paid the link, it is a payment too many,
# refunded or flagged like any other (payment.transaction._payment_link_record_extra).
PENDING_BLOCK_DAYS = 3

# What the outcome of a link's completed payment attempt was.
PAYMENT_OUTCOMES = [
    ("paid", "Paid the link"),
    ("partly_paid", "Paid part of the link"),
    ("paid_twice", "Paid twice"),
    ("paid_after_close", "Paid after the link was closed"),
]
# Amounts read from a client: longest text accepted, and largest absolute value.
AMOUNT_MAX_LENGTH = 32
AMOUNT_MAX_VALUE = 1e15

# Rate limiting of the public routes: misses from one address (an IPv6 client by its /64) in a
# sliding window. Only misses are refused once the limit is reached: a valid token is always
# served, whatever other requests from the same address did.
MISS_WINDOW_MINUTES = 10
MISS_LIMIT = 20
IPV6_PREFIX_LENGTH = 64

# Bounded audit: per link and window, one "opened" / "preview" event per browser and at most
# AUDIT_EVENTS_PER_WINDOW of each; one "printed" event per document version.
AUDIT_WINDOW_MINUTES = 60
AUDIT_EVENTS_PER_WINDOW = 10
# Further tokens of printed PDFs kept per link: beyond, the oldest printed tokens stop working.
PRINT_TOKENS_PER_LINK = 10

# The landing page after a payment (and its receipt's PDF): signed, valid this many hours.
LANDING_TOKEN_HOURS = 24
# The receipt page whose address the customer's receipt carries (signed for the link's receipt
# only: it opens that page and its PDF, nothing else), valid this many days.
RECEIPT_TOKEN_DAYS = 400
# System parameter: when making a PDF last failed on this server (wkhtmltopdf there but broken);
# for an hour after, the receipts offer the document's web page instead of its PDF.
PDF_FAILED_PARAM = "payment_link_sms.pdf_failed_at"

# Link previewers: they fetch a URL as soon as a message arrives or a link is pasted; such a
# fetch is recorded as a preview, never as an opening. Lower-case substrings of user agents.
PREVIEW_USER_AGENTS = (
    "facebookexternalhit",  # iMessage previews announce themselves as Facebook's and X's bots
    "facebot",
    "twitterbot",
    "whatsapp",
    "slackbot",
    "slack-imgproxy",
    "skypeuripreview",  # Microsoft Teams and Skype
    "microsoftpreview",
    "bingpreview",
    "googleimageproxy",  # Gmail's image and link proxy
    "google-read-aloud",
    "telegrambot",
    "discordbot",
    "linkedinbot",
    "applebot",
    "mattermost",
    "viber",
)
# Request headers by which browsers and mail scanners announce a prefetch or a preview.
PREFETCH_HEADERS = {
    "Purpose": ("prefetch", "preview"),
    "Sec-Purpose": ("prefetch", "prerender"),
    "X-Purpose": ("prefetch", "preview"),
    "X-Moz": ("prefetch",),
}

# Documents sent per batch by a bulk send (the ORM cache is emptied between two batches, so
# that memory stays flat); the system parameter payment_link_sms.send_batch_size overrides it.
SEND_BATCH_SIZE = 100

USER_AGENT_MAX_LENGTH = 255

# What a payment link is for (a concern addon may add kinds: the card addon adds the record of a
# staff charge of a card on file).
LINK_KINDS = [
    ("payment", "Payment link"),
]
# What happened to a link's money (payment.link.money_state; its state says whether it works).
MONEY_STATES = [
    ("unpaid", "Not paid"),
    ("partly_paid", "Partly paid"),
    ("paid", "Paid"),
    ("partly_refunded", "Partly refunded"),
    ("refunded", "Refunded"),
]


# The asset bundle of the customer's pages (/pay), and the one the tours add in test mode.
PAY_PAGE_BUNDLE = "payment_link_sms.assets_pay_page"
PAY_PAGE_TESTS_BUNDLE = "payment_link_sms.assets_pay_page_tests"
# The company logo's width on the pay pages, in pixels: Odoo's own web size of the logo
# (res.company.logo_web, what /logo.png serves). Shown at most 48 CSS pixels high (pay_page.scss);
# larger sizes cost more bytes than the sharpness they add on a phone (a 360 pixels wide PNG of
# Odoo's default logo is 19 KB against 8 KB).
PAY_PAGE_LOGO_WIDTH = 180

# The messages of each kind of sending: (SMS template, email template) xmlids.
MESSAGE_TEMPLATES = {
    "request": {
        "sms": "payment_link_sms.sms_template_payment_link",
        "email": "payment_link_sms.mail_template_payment_link",
    },
    "reminder": {
        "sms": "payment_link_sms.sms_template_payment_link_reminder",
        "email": "payment_link_sms.mail_template_payment_link_reminder",
    },
    # To the customer once a payment is done (on payment.transaction, see
    # payment.transaction._payment_link_send_receipts): a payment through the link's page, or
    # a charge of a saved card without the customer (payment.link._payment_link_receipt_kind).
    "receipt": {
        "sms": "payment_link_sms.sms_template_payment_link_receipt",
        "email": "payment_link_sms.mail_template_payment_link_receipt",
    },
    "charge_notice": {
        "sms": "payment_link_sms.sms_template_payment_link_charge_notice",
        "email": "payment_link_sms.mail_template_payment_link_charge_notice",
    },
}

# sms.sms states, as reported by the SMS provider, and what they mean for a payment link.
SMS_STATE_TO_DELIVERY = {
    "process": "queued",
    "pending": "accepted",
    "sent": "delivered",
    "error": "failed",
    "canceled": "failed",
}

# Background bulk send (payment.link.send.job). Above this number of documents the composer
# does not send in the user's request: a job is queued and sent by the background-send crons.
# 100: the in-request send costs about 14 ms per document for SMS and email together (10,000
# invoices took 140 s), so 100 documents stay near 1.5 s, under the 2 s a click may take; the
# system parameter payment_link_sms.background_send_threshold overrides it (0: always).
BACKGROUND_SEND_THRESHOLD = 100
# Documents per batch of a background send (one transaction each; the system parameter
# payment_link_sms.background_batch_size overrides it).
BACKGROUND_BATCH_SIZE = 200
# Seconds a background-send cron call works before it hands back to Odoo's cron runner (which
# calls it again, up to its own limit, then reschedules it as soon as possible).
BACKGROUND_CALL_SECONDS = 20
# Attempts at locking a batch when other workers commit theirs meanwhile (see
# payment.link.send.job._lock_next_lines).
BACKGROUND_LOCK_ATTEMPTS = 10
JOB_LINE_STATES = [
    ("pending", "To Send"),
    ("sent", "Sent"),
    ("failed", "Refused"),
    ("skipped", "Skipped"),
]
# Queued notifications of payments confirmed by a provider (payment.link.notification).
NOTIFY_BATCH_SIZE = 100
NOTIFY_MAX_ATTEMPTS = 5
NOTIFY_ERROR_MAX = 500

# Bulk emails: Odoo's light notification layout around the template's body (the company's
# header and footer), and the template fields rendered for each email (those of
# mail.template.send_mail_batch, without the attachments: a template with attachments is sent
# by send_mail_batch itself).
EMAIL_LAYOUT = "mail.mail_notification_light"
EMAIL_TEMPLATE_FIELDS = (
    "auto_delete",
    "body_html",
    "email_cc",
    "email_from",
    "email_to",
    "mail_server_id",
    "model",
    "partner_to",
    "reply_to",
    "res_id",
    "scheduled_date",
    "subject",
)
# The scheduled action posting the queued notifications (payment.link.notification).
NOTIFY_CRON_XMLID = "payment_link_sms.ir_cron_payment_link_notify"

# No message storms: at most this many payment link messages (SMS or email, requests and
# reminders) to one number or address per rolling hour, whatever sends them (the composer, the
# API and the paylink command, a resend, a background send, the reminders); the rest is refused
# with its reason. The system parameter MAX_MESSAGES_PARAM overrides it (0: no limit).
MAX_MESSAGES_PER_RECIPIENT_HOUR = 10
MAX_MESSAGES_PARAM = "payment_link_sms.max_messages_per_recipient_hour"
