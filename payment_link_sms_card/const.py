# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# The engine's names this addon uses, re-exported.
from odoo.addons.payment_link_sms.const import CHANNELS, USER_AGENT_MAX_LENGTH  # noqa: F401

# Card on file: how a customer gave the consent to charge a saved card, and its states.
CONSENT_METHODS = [
    ("in_person", "In person"),
    ("phone", "On the phone"),
    ("online", "Online"),
]
# What a staff member records; an online consent is recorded by the server from the page.
STAFF_CONSENT_METHODS = ("in_person", "phone")
CONSENT_STATES = [
    ("active", "Active"),
    ("revoked", "Revoked"),
]
TOKEN_CONSENT_STATES = [*CONSENT_STATES, ("none", "None")]
# The result of a charge of a card on file (payment.link.mixin.charge_card_on_file).
CHARGE_RESULTS = [
    ("paid", "Paid"),
    ("pending", "Pending"),
    ("declined", "Declined"),
    ("authentication_required", "Authentication required"),
]
# Payment details this long, all digits, are a whole card number: only its last 4 are kept.
CARD_NUMBER_MIN_DIGITS = 12
# The kind of payment link added by this addon: the record of a staff charge of a card on file
# (no token, never sent: its events are the charge's audit trail).
LINK_KINDS = [
    ("card_on_file", "Card on file charge"),
    ("card_request", "Card request"),
]
# Whether link payments offer "Save my card for future payments".
SAVE_CARD_OPTIONS = [
    ("off", "Off"),
    ("offered", "Offered"),
]

# Card requests (payment.card.request): a link to save a card without paying.
CARD_REQUEST_STATES = [
    ("draft", "Not sent"),
    ("open", "Sent"),
    ("done", "Card saved"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
]
# A request created by "Request card" whose composer was discarded is dropped after this.
CARD_REQUEST_DRAFT_DAYS = 1
# The card requests' own messages (the company may use the pay-link ones instead).
CARD_REQUEST_TEMPLATES = {
    "sms": "payment_link_sms_card.sms_template_card_request",
    "email": "payment_link_sms_card.mail_template_card_request",
}
