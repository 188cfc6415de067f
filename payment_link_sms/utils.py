# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Small pure helpers (no ORM): one job each."""

from urllib.parse import urlsplit


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
