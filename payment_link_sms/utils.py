# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Small pure helpers (no ORM): one job each."""

import ast
import base64
import hashlib
import io
import ipaddress
import json
import logging
import math
import re
import secrets
import unicodedata
from urllib.parse import unquote, urlsplit

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


AMOUNT_RE = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*")


def as_record(env, ref):
    """``ref`` as a record of ``env``: an xmlid is looked up, a record is taken in ``env`` (its
    context: the links' URLs while a message is rendered)."""
    return env.ref(ref) if isinstance(ref, str) else ref.with_env(env)


def parse_amount(value):
    """Read an amount sent by a client (the pay page's form, the payment form's JSON).

    :param value: What the client sent: a decimal text with a dot (``"12.50"``) or a number.
    :return: The amount as a finite float (``-0`` reads as ``0.0``), or None for anything else:
             ``nan``, ``inf``, ``1e309``, ``"1,5"``, overlong texts, booleans, lists...
    :rtype: float | None
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > const.AMOUNT_MAX_LENGTH or not AMOUNT_RE.fullmatch(value):
            return None
    elif not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    if not math.isfinite(number) or abs(number) >= const.AMOUNT_MAX_VALUE:
        return None
    return number + 0.0


def parse_ids(value):
    """Read a list of record ids written as a Python literal (``"[1, 2]"``).

    A list of integers is read as JSON (fast, of any length: Odoo limits ``ast.literal_eval``
    to 100 KiB, about 14,000 ids, and a "select all" of 50,000 invoices is 340 KiB); anything
    else through ``ast.literal_eval`` (a literal, never an expression to evaluate). Anything
    that is not a list or tuple of integers gives no ids.

    :param str value: The literal, e.g. a wizard's ``res_ids`` field.
    :rtype: list
    """
    if not isinstance(value, str) or not value:
        return []
    try:
        ids = json.loads(value)
    except (ValueError, RecursionError):
        try:
            ids = ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return []
    if not isinstance(ids, (list, tuple)):
        return []
    return [item for item in ids if isinstance(item, int) and not isinstance(item, bool)]


def pg_int_array(ids):
    """``ids`` as one PostgreSQL array literal (``"{1,2}"``, cast it ``::int[]``): one query
    parameter whatever their count (psycopg2 quotes a list item by item)."""
    return "{%s}" % ",".join(str(int(id_)) for id_ in ids)


def parse_count_param(value, default, minimum=1):
    """A count set as a system parameter: ``default`` when unset or not a number, at least
    ``minimum``."""
    try:
        return max(int(value), minimum) if value else default
    except ValueError:
        return default


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


CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value):
    """``value`` as a CSV cell a spreadsheet never runs as a formula (OWASP's advice: a cell
    starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``).

    :rtype: str
    """
    value = "" if value is None else str(value)
    return f"'{value}" if value.startswith(CSV_FORMULA_PREFIXES) else value


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
# The landing page after a payment and its receipt: /pay/done/<id>[/pdf|/html]?access_token=...
LANDING_URL_RE = re.compile(
    r"(%sdone/\d+(?:/[a-z]+)?\?(?:[^\s\"'<>#]*?(?:&|&amp;))?access_token=)([^&\s\"'<>#]+)"
    % re.escape(const.ROUTE_PREFIX)
)


def mask_link_urls(text):
    """Mask every payment link token found after ``/pay/`` in ``text`` (token unknown).

    Used on messages that stay in an outbox after a failure: their link must not be usable
    from a dump of the database.

    :param str text: A message body (plain text or HTML).
    :rtype: str
    """
    if not text:
        return text
    text = LINK_URL_RE.sub(lambda match: match[1] + mask_hint(token_hint(match[2])), text)
    return LANDING_URL_RE.sub(lambda match: match[1] + mask_hint(token_hint(match[2])), text)


def client_network(address):
    """The key under which a client address is rate-limited.

    An IPv4 address is its own key; an IPv6 client is keyed by its /64 (one subscriber's
    network: rotating addresses inside it changes nothing); an IPv4-mapped IPv6 address is
    its IPv4 address.

    :param str address: The remote address of the request.
    :rtype: str
    """
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return address or ""
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{const.IPV6_PREFIX_LENGTH}", strict=False))
    return str(ip)


def is_link_preview(method, user_agent, headers):
    """Tell whether a request is a link previewer's fetch, not a person's visit.

    :param str method: The HTTP method (``HEAD`` is never a person reading the page).
    :param str user_agent: The User-Agent header.
    :param headers: The request headers (a mapping with ``get``).
    :rtype: bool
    """
    if (method or "").upper() == "HEAD":
        return True
    agent = (user_agent or "").lower()
    if any(marker in agent for marker in const.PREVIEW_USER_AGENTS):
        return True
    for header, values in const.PREFETCH_HEADERS.items():
        value = (headers.get(header) or "").lower()
        if value and any(word in value for word in values):
            return True
    return False


def gsm7_sanitize(text):
    """Replace look-alike characters so that a message stays in the GSM-7 alphabet.

    Typographic spaces, quotes and dashes are mapped to their GSM-7 equivalents, and letters
    with an accent GSM-7 lacks lose the accent (``ç`` -> ``c``, ``ê`` -> ``e``), as SMS gateways
    do; a masked card number's dots become stars. Characters with no equivalent are kept: the
    message is then sent in UCS-2.

    :param str text: The message text.
    :rtype: str
    """
    result = []
    # A card named by its last digits ("Visa •••• 4242") reads "Visa **** 4242", not "----".
    for char in (text or "").replace("\u2022" * 4, "****"):
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


# What follows /pay/ in a log line, up to the end of the path (a printed code may be typed with
# spaces, shown raw or as %20 or +).
PAY_PATH_RE = re.compile(r"(%s)([^?#&\"'<>/\r\n]+)" % re.escape(const.ROUTE_PREFIX))


def _mask_code_path(match):
    segment = match[2][: 6 * const.CODE_LENGTH]
    parts = re.split(r"(\s+)", segment)
    # The path may run into the rest of the line ("... HTTP/1.1"): the longest prefix that the
    # route would take for a printed code is masked.
    # (``parts`` alternates words and spaces: a prefix ends on a word, never on its spaces.)
    for end in range(len(parts), 0, -2):
        candidate = unquote("".join(parts[:end]))
        code = normalize_code(candidate) or normalize_code(candidate.replace("+", " "))
        if code:
            return match[1] + mask_hint(token_hint(code)) + match[2][len("".join(parts[:end])) :]
    return match[0]


def mask_printed_codes(text):
    """Mask every printed code found after ``/pay/`` in ``text``, whatever its case, its
    spacing (dashes, spaces) or its encoding (``%20``, ``%2D``, ``+``...).

    :param str text: A log line or an URL.
    :rtype: str
    """
    if not text or const.ROUTE_PREFIX not in text:
        return text
    return PAY_PATH_RE.sub(_mask_code_path, text)


def _mask_log_value(value):
    if isinstance(value, str) and const.ROUTE_PREFIX in value:
        return mask_link_urls(mask_printed_codes(value))
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


INLINE_SCRIPT_RE = re.compile(
    r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE
)
# The inline scripts of Odoo's own frontend layout (web.layout and web.frontend_layout): their
# content changes per request (CSRF token, session info), so they are allowed by hash.
ODOO_INLINE_SCRIPT_ATTRS = ('id="web.layout.odooscript"',)
ODOO_INLINE_SCRIPT_STARTS = ("odoo.__session_info__",)


def content_security_policy(html, extra_sources=None):
    """The Content-Security-Policy of a pay page: our, Odoo's and the providers' scripts only.

    Scripts: the server's own (``'self'``: Odoo's asset bundles, ours among them), the inline
    scripts of Odoo's layout by their hash (any other inline script, website tracking code or
    injected custom code, is refused), and the payment providers' own sources
    (``extra_sources``). ``'unsafe-eval'`` is needed by Odoo's frontend (Owl compiles its
    templates in the browser). Nothing may frame the page.

    :param str html: The rendered page.
    :param dict extra_sources: {directive: [source, ...]} of the providers offered.
    :rtype: str
    """
    hashes = []
    for match in INLINE_SCRIPT_RE.finditer(html or ""):
        attrs, body = match["attrs"], match["body"]
        if "src=" in attrs:
            continue
        if any(attr in attrs for attr in ODOO_INLINE_SCRIPT_ATTRS) or body.strip().startswith(
            ODOO_INLINE_SCRIPT_STARTS
        ):
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            hashes.append(f"'sha256-{digest}'")
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *dict.fromkeys(hashes)],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    for directive, sources in (extra_sources or {}).items():
        directives.setdefault(directive, ["'self'"]).extend(
            source for source in sources if source not in directives[directive]
        )
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


REPORT_INLINE_SCRIPT_RE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE
)
REPORT_STYLESHEET_RE = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*>", re.IGNORECASE)
# A font whose files come from another server (Odoo's CDN, for Cyrillic, Hebrew and Arabic).
EXTERNAL_FONT_FACE_RE = re.compile(r"@font-face\s*\{[^}]*https?://[^}]*\}", re.IGNORECASE)


def page_safe_report_html(html, css):
    """A document's report (HTML), shown as a customer page within the pages'
    Content-Security-Policy: without its inline script (Odoo's report layout adapts itself to
    an iframe, which the pages forbid), its styles in the page without the fonts of other
    servers (refused by the policy, one console error per file).

    :param html: The rendered report (bytes or str).
    :param str css: The report's styles (its stylesheets' content), in place of its links.
    :rtype: str
    """
    if isinstance(html, bytes):
        html = html.decode()
    html = REPORT_INLINE_SCRIPT_RE.sub("", html)
    html = REPORT_STYLESHEET_RE.sub("", html)
    style = EXTERNAL_FONT_FACE_RE.sub("", css).replace("</", "<\\/")
    return html.replace("</head>", f"<style>{style}</style></head>", 1)


def failure_kind(message=None, cancelled=False):
    """Why a payment failed, in plain words: a key of ``const.FAILURE_KINDS``, from the
    provider's message (a provider bridge reads its own codes first, see
    ``payment.transaction._payment_link_failure_kind``).

    :param str message: The provider's message (the transaction's state message).
    :param bool cancelled: The attempt was cancelled (not refused by the bank).
    """
    text = (message or "").lower()
    for words, kind in const.FAILURE_MESSAGE_WORDS:
        if words in text:
            return kind
    return "cancelled" if cancelled else "other"


HEX_COLOUR_RE = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_hex_colour(value):
    """``(red, green, blue)`` (0-255) of a CSS hex colour (``#1a2b3c`` or ``#abc``), else None.

    :param str value: A colour as Odoo stores a company's brand colour.
    :rtype: tuple or None
    """
    match = HEX_COLOUR_RE.match((value or "").strip())
    if not match:
        return None
    digits = match[1] if len(match[1]) == 6 else "".join(c * 2 for c in match[1])
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))


def relative_luminance(rgb):
    """WCAG 2's relative luminance of an sRGB colour (0 for black, 1 for white).

    :param tuple rgb: ``(red, green, blue)``, 0-255 each.
    """

    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first, second):
    """WCAG 2's contrast ratio of two colours, from 1 (none) to 21 (black on white).

    :param tuple first: ``(red, green, blue)``, 0-255 each; ``second`` likewise.
    """
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_text_colour(background):
    """The text colour, black or white, that reads best on ``background`` (a CSS hex colour):
    the one of the higher contrast, which is always at least 4.5:1 (WCAG 1.4.3).

    :return: ``"#000000"`` or ``"#ffffff"``; None for a value that is not a hex colour.
    """
    rgb = parse_hex_colour(background)
    if rgb is None:
        return None
    on_black = contrast_ratio(rgb, (0, 0, 0))
    on_white = contrast_ratio(rgb, (255, 255, 255))
    return "#000000" if on_black > on_white else "#ffffff"
