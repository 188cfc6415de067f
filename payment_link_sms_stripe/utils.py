# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Verification of Stripe's webhook signatures, with no ORM.

See https://docs.stripe.com/webhooks#verify-manually.
"""

import hashlib
import hmac
import re

from . import const

_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")


def parse_signature_header(header):
    """Split a ``Stripe-Signature`` header into its timestamp and its v1 signatures.

    Stripe sends ``t=<unix time>,v1=<hex>``, with several ``v1`` entries while a signing
    secret is being rolled, and may add entries of other schemes, which are ignored.

    :param str header: The header's value, or None when it is missing.
    :return: The timestamp and the list of v1 signatures (lowercase hexadecimal).
    :rtype: tuple[int, list[str]]
    :raise ValueError: When the header is missing or malformed.
    """
    if not header:
        raise ValueError("missing signature header")
    timestamp, signatures = None, []
    for entry in header.split(","):
        key, separator, value = entry.strip().partition("=")
        if not separator or not key:
            raise ValueError("malformed signature header entry")
        if key == "t":
            if timestamp is not None or not _TIMESTAMP_RE.fullmatch(value):
                raise ValueError("malformed signature timestamp")
            timestamp = int(value)
        elif key == const.SIGNATURE_SCHEME:
            if not _SIGNATURE_RE.fullmatch(value):
                raise ValueError("malformed signature")
            signatures.append(value)
    if timestamp is None or not signatures:
        raise ValueError("incomplete signature header")
    return timestamp, signatures


def compute_signature(secret, timestamp, payload):
    """Return the v1 signature Stripe computes for a payload sent at ``timestamp``.

    :param str secret: The endpoint's signing secret (``whsec_...``).
    :param int timestamp: The ``t`` value of the header.
    :param bytes payload: The request body, exactly as received.
    :return: The HMAC-SHA256 of ``<timestamp>.<payload>``, in lowercase hexadecimal.
    :rtype: str
    """
    signed_payload = b"%d." % timestamp + payload
    return hmac.new(secret.encode(), signed_payload, hashlib.sha256).hexdigest()


def signature_matches(secret, timestamp, payload, signatures):
    """Return whether one of ``signatures`` is the one of ``payload``, in constant time.

    :param str secret: The endpoint's signing secret.
    :param int timestamp: The ``t`` value of the header.
    :param bytes payload: The request body, exactly as received.
    :param list[str] signatures: The v1 signatures of the header.
    :rtype: bool
    """
    expected = compute_signature(secret, timestamp, payload).encode()
    matches = [hmac.compare_digest(expected, signature.encode()) for signature in signatures]
    return any(matches)


def is_timestamp_fresh(timestamp, now, tolerance):
    """Return whether ``timestamp`` is at most ``tolerance`` seconds away from ``now``.

    :param int timestamp: The ``t`` value of the header (seconds since the epoch).
    :param float now: The current time (seconds since the epoch).
    :param int tolerance: The accepted distance, in seconds, in the past and in the future.
    :rtype: bool
    """
    return abs(now - timestamp) <= tolerance
