# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Small pure helpers (no ORM): one job each."""

import base64
import hashlib
import io
import logging
import math
import re
import secrets
import unicodedata
from urllib.parse import urlsplit

from . import const

# GSM 03.38 default alphabet and its extension table (extension characters cost 2 units).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")
# What SMS gateways call "smart encoding": look-alike characters that would otherwise switch a
# whole message to UCS-2 (70 characters a segment instead of 160).
GSM7_REPLACEMENTS = {
    "\u00a0": " ",  # no-break space (French amounts: 1 234,56 €)
    "\u202f": " ",  # narrow no-break space (Babel's French and Norwegian group separator)
    "\u2009": " ",
    "\u2007": " ",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-",
}


def is_http_url(value):
    """Tell whether ``value`` is an absolute http(s) URL that is safe to put in a link.

    :param str value: The URL to check.
    :return: True for ``http://host/...`` or ``https://host/...`` without spaces or control
             characters; False for anything else (``javascript:``, ``data:``, relative URLs...).
    :rtype: bool
    """
    if not value or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def days_left(expiration, now):
    """Whole days before ``expiration``, rounded up (a link sent for 60 days shows 60).

    :param datetime expiration: The expiry (naive UTC), or None.
    :param datetime now: The current time (naive UTC).
    :return: 0 when expired or unknown.
    :rtype: int
    """
    if not expiration or expiration <= now:
        return 0
    return math.ceil((expiration - now).total_seconds() / 86400)


def example_mobile_number(country_code):
    """A valid example mobile number of the country, as people write it internationally
    (``+33 6 12 34 56 78``), for a placeholder; a generic one without a country.

    :param str country_code: ISO 3166 code (``FR``), or False.
    :rtype: str
    """
    import phonenumbers

    example = country_code and phonenumbers.example_number_for_type(
        country_code.upper(), phonenumbers.PhoneNumberType.MOBILE
    )
    if not example:
        return "+33 6 12 34 56 78"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def is_landline(e164):
    """Tell whether an E.164 number is a fixed line (which may not receive SMS).

    :param str e164: A number in E.164 format.
    :rtype: bool
    """
    import phonenumbers

    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE


def generate_token():
    """Return a new unguessable link token (128 bits from ``secrets``, URL-safe).

    :rtype: str
    """
    return secrets.token_urlsafe(const.TOKEN_BYTES)


def generate_code():
    """Return a new printed code: a token a person can type (see ``const.CODE_ALPHABET``),
    grouped by 4 with dashes (``K7QM-4XRT-...``); >= 128 bits from ``secrets``.

    :rtype: str
    """
    code = "".join(secrets.choice(const.CODE_ALPHABET) for _index in range(const.CODE_LENGTH))
    return "-".join(
        code[index : index + const.CODE_GROUP] for index in range(0, len(code), const.CODE_GROUP)
    )


def normalize_code(text):
    """The canonical form of a printed code as typed (any case, with or without dashes or
    spaces), or None when ``text`` is not a code.

    :param str text: What was typed after ``/pay/``.
    :rtype: str or None
    """
    if not isinstance(text, str) or len(text) > 2 * const.CODE_LENGTH:
        return None
    code = "".join(ch for ch in text.upper() if ch not in "- ")
    if len(code) != const.CODE_LENGTH or any(ch not in const.CODE_ALPHABET for ch in code):
        return None
    return code


def hash_token(token):
    """Return the hash under which a token is stored: a dump of the database holds no token.

    :param str token: The token, as sent to the customer.
    :return: The SHA-256 hex digest of the token.
    :rtype: str
    """
    return hashlib.sha256((token or "").encode("utf-8", "surrogatepass")).hexdigest()


def token_hint(token):
    """Return the last characters of a token, the only part ever shown after sending."""
    return token[-const.TOKEN_HINT_LENGTH :]


def mask_hint(hint):
    """Return how a token is shown everywhere but in the message sent: ``…Ab3F``."""
    return f"{const.MASK_PREFIX}{hint or ''}"


def mask_token(text, token):
    """Replace every occurrence of ``token`` in ``text`` by its masked form.

    :param str text: A text that may contain the token (a message body, a log line).
    :param str token: The full token.
    :rtype: str
    """
    if not text or not token:
        return text
    return text.replace(token, mask_hint(token_hint(token)))


# What a document's email template puts where the link goes; replaced when the email is queued.
LINK_MARKER_PREFIX = "PAYMENT-LINK-"
LINK_MARKER_RE = re.compile(
    r"https?://[^\s\"'<>]*?%s%s([a-z0-9_.]+)-(\d+)-([0-9a-f]{16})"
    % (re.escape(const.ROUTE_PREFIX), LINK_MARKER_PREFIX)
)

LINK_URL_RE = re.compile(r"(%s)([A-Za-z0-9_-]{%d,})" % (re.escape(const.ROUTE_PREFIX), 16))


def mask_link_urls(text):
    """Mask every payment link token found after ``/pay/`` in ``text`` (token unknown).

    Used on messages that stay in an outbox after a failure: their link must not be usable
    from a dump of the database.

    :param str text: A message body (plain text or HTML).
    :rtype: str
    """
    if not text:
        return text
    return LINK_URL_RE.sub(lambda match: match[1] + mask_hint(token_hint(match[2])), text)


def gsm7_sanitize(text):
    """Replace look-alike characters so that a message stays in the GSM-7 alphabet.

    Typographic spaces, quotes and dashes are mapped to their GSM-7 equivalents, and letters
    with an accent GSM-7 lacks lose the accent (``ç`` -> ``c``, ``ê`` -> ``e``), as SMS gateways
    do. Characters with no equivalent are kept: the message is then sent in UCS-2.

    :param str text: The message text.
    :rtype: str
    """
    result = []
    for char in text or "":
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            result.append(char)
        elif char in GSM7_REPLACEMENTS:
            result.append(GSM7_REPLACEMENTS[char])
        else:
            base = unicodedata.normalize("NFKD", char)[0]
            result.append(base if base in GSM7_BASIC else char)
    return "".join(result)


def sms_segments(text):
    """Count what an SMS costs: its encoding, its length in units and its number of segments.

    GSM-7: 160 units in one segment, 153 per segment when concatenated; extension characters
    (``€ [ ] { } ^ ~ | \\``) count twice. UCS-2 (any other character): 70 UTF-16 units in one
    segment, 67 per segment when concatenated.

    :param str text: The message text.
    :return: ``(encoding, units, segments)`` with encoding ``'GSM-7'`` or ``'UCS-2'``.
    :rtype: tuple
    """
    text = text or ""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding = "GSM-7"
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        single, multi = 160, 153
    else:
        encoding = "UCS-2"
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units == 0:
        return encoding, 0, 0
    segments = 1 if units <= single else -(-units // multi)
    return encoding, units, segments


def qr_data_uri(text):
    """A PNG QR code of ``text`` as a data URI, to embed in a document.

    Embedded rather than fetched from ``/report/barcode``: the URL it encodes then never
    travels in a request line (and the access log).

    :param str text: What the code encodes (a payment link).
    :rtype: str
    """
    import qrcode  # an Odoo requirement

    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class UrlMap(dict):
    """The full URLs of links generated in this request, keyed by link id.

    Passed in the context (``payment_link_urls``) to render the messages; hashed by identity so
    that the ORM's context-dependent cache keys stay cheap for thousands of links. It lives in
    memory only: nothing stores it.
    """

    __hash__ = object.__hash__


def _mask_log_value(value):
    if isinstance(value, str) and const.ROUTE_PREFIX in value:
        return mask_link_urls(value)
    return value


def install_log_masking():
    """Mask payment link tokens in every log record of the process (access log included).

    The HTTP access log prints each request line, ``GET /pay/<token>`` among them: a log
    record factory masks the token before any handler sees the record. Idempotent.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "payment_link_masking", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.msg = _mask_log_value(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask_log_value(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _mask_log_value(arg) for key, arg in record.args.items()}
        return record

    factory.payment_link_masking = True
    logging.setLogRecordFactory(factory)
