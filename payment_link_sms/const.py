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
