"""Signed tokens for the links an email carries: unsubscribe, click and open.

A token is URL-safe base64 (no padding) of the numbers it binds, each as an unsigned LEB128
varint, followed by the first 16 bytes of HMAC-SHA256 over a purpose string and those bytes.
The key is derived from the app's SECRET_KEY, so rotating SECRET_KEY invalidates every link.

- unsubscribe: (message id, contact id) — useless for any other message or contact;
- click: (message id, link index) — the redirector then looks the URL up in that message's links;
- open: (message id,).

Verification is strict: one canonical encoding only (no padding, no spare bits, no redundant
varint bytes), so a bit flip anywhere, a truncation or an extension is refused, and the MAC is
compared with hmac.compare_digest. 128 bits of MAC make guessing hopeless.
"""
import base64
import binascii
import functools
import hashlib
import hmac
import os
import re

from flask import current_app, has_request_context, request

MAC_BYTES = 16
MAX_TOKEN_CHARS = 80  # three 64-bit varints and the MAC fit in 67; refuse anything longer unread
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
PURPOSES = {"unsubscribe": 2, "click": 2, "open": 1}  # purpose -> how many numbers it binds


class BadToken(ValueError):
    """The token is malformed, forged, or for another purpose."""


def _key():
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError("SECRET_KEY is not set: email links cannot be signed")
    return _derived_key(secret)


@functools.lru_cache(maxsize=8)
def _derived_key(secret):
    """The link key for `secret`, computed once per SECRET_KEY: sign() runs several times per email
    (unsubscribe, mailto, each click link, the pixel). Keyed by the secret itself, so a rotated
    SECRET_KEY (or another app's) gets its own key; a few entries cover tests with many apps."""
    if isinstance(secret, str):
        secret = secret.encode()
    # A key of its own, so these MACs can never be mistaken for the session's signatures.
    return hmac.new(secret, b"chapar-email link tokens v1", hashlib.sha256).digest()


def _varint(number):
    if 0 <= number < 0x80:  # the usual link index: one byte
        return bytes((number,))
    if number < 0 or number >= 2**64:
        raise ValueError(f"{number} cannot be put in a link token")
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _read_varints(data, count):
    numbers, position = [], 0
    for _ in range(count):
        value, shift = 0, 0
        while True:
            if position >= len(data) or shift > 63:
                raise BadToken("truncated")
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if value >= 2**64:
            raise BadToken("number too large")
        numbers.append(value)
    return numbers, position


def _mac(purpose, payload):
    # hmac.digest: the one-shot C path, several times faster than hmac.new(...).digest() (this runs
    # about ten times per email).
    return hmac.digest(_key(), purpose.encode() + b"\0" + payload, "sha256")[:MAC_BYTES]


def sign(purpose, *numbers):
    """The token binding `numbers` (ints) for `purpose` (a key of PURPOSES)."""
    if PURPOSES.get(purpose) != len(numbers):
        raise ValueError(f"purpose {purpose!r} binds {PURPOSES.get(purpose)} numbers, not {len(numbers)}")
    payload = b"".join(_varint(int(n)) for n in numbers)
    return base64.urlsafe_b64encode(payload + _mac(purpose, payload)).rstrip(b"=").decode()


def verify(purpose, token):
    """The numbers `token` binds for `purpose`, as a tuple; raises BadToken otherwise."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS or not _ALPHABET.fullmatch(token):
        raise BadToken("malformed")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadToken("malformed") from exc
    # Spare bits in the last character decode to the same bytes: only the canonical form passes.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != token:
        raise BadToken("not canonical")
    numbers, used = _read_varints(raw, PURPOSES[purpose])
    payload, mac = raw[:used], raw[used:]
    if len(mac) != MAC_BYTES or payload != b"".join(_varint(n) for n in numbers):
        raise BadToken("malformed")
    if not hmac.compare_digest(mac, _mac(purpose, payload)):
        raise BadToken("bad signature")
    return tuple(numbers)


def public_base_url(base_url=None):
    """Where recipients reach this Chapar: `base_url`, else $CHAPAR_PUBLIC_URL, else the request's
    own root. A worker has no request, so the channel passes its setting."""
    base = base_url or current_app.config.get("CHAPAR_PUBLIC_URL") or os.environ.get("CHAPAR_PUBLIC_URL")
    if not base and has_request_context():
        base = request.url_root
    if not base:
        raise RuntimeError("no public URL for email links: set the email channel's public URL or CHAPAR_PUBLIC_URL")
    return base.rstrip("/")


def unsubscribe_url(message_id, contact_id, base_url=None):
    """The page a person opens to unsubscribe or choose channels (the footer link)."""
    return f"{public_base_url(base_url)}/u/{sign('unsubscribe', message_id, contact_id)}"


def one_click_url(message_id, contact_id, base_url=None):
    """The List-Unsubscribe https URI: POST unsubscribes at once (RFC 8058), GET shows the page."""
    return f"{unsubscribe_url(message_id, contact_id, base_url)}/one-click"


def unsubscribe_mailto(message_id, contact_id, domain):
    """The List-Unsubscribe mailto URI (RFC 2369); the bounce/reply poller reads the token from the
    recipient address. `domain`: a setting, or the sending identity's domain."""
    token = sign("unsubscribe", message_id, contact_id)
    return f"mailto:unsubscribe+{token}@{domain}?subject=unsubscribe"


MAILTO_TOKEN = re.compile(rf"unsubscribe\+([A-Za-z0-9_-]{{1,{MAX_TOKEN_CHARS}}})@", re.IGNORECASE)


def token_from_mailto_address(address):
    """The token in an `unsubscribe+<token>@domain` recipient, or None. (Case is kept: a mail
    server that lowercases local parts breaks the token, and verify() then refuses it.)"""
    match = MAILTO_TOKEN.search(address or "")
    return match.group(1) if match else None


def click_url(message_id, index, base_url=None):
    """The redirect for link `index` of the message (see tracking.py)."""
    return f"{public_base_url(base_url)}/t/c/{sign('click', message_id, index)}"


def open_pixel_url(message_id, base_url=None):
    """The 1x1 image that records an open."""
    return f"{public_base_url(base_url)}/t/o/{sign('open', message_id)}.gif"
