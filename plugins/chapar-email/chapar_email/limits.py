"""Rate and size limits for the public endpoints (unsubscribe, tracking): open to the internet.

The core's Flask-Limiter instance is not part of the public API, so limits are counted with the
`limits` library on the storage of whichever limiter the app registered (Redis in production),
under the same key prefix, per client address (IPv6 per /64, like the core).
"""
import ipaddress
import logging
import os

from flask import abort, current_app, request
from limits import parse_many
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger("chapar_email.limits")
DEFAULTS = {"unsubscribe": "30 per minute; 300 per hour", "tracking": "300 per minute"}
MAX_BODY_BYTES = 4096  # a one-click POST is 26 bytes; the preferences form well under 1 KB


def client_key():
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def _storage():
    limiters = current_app.extensions.get("limiter") or ()
    limiter = next(iter(limiters), None)
    return getattr(limiter, "storage", None)


def within_limit(scope):
    """Count this request against `scope`'s limit; False once the limit is used up.
    The environment's CHAPAR_EMAIL_<SCOPE>_RATE_LIMIT overrides the default (Flask-Limiter syntax)."""
    storage = _storage()
    if storage is None:
        return True
    strategy = FixedWindowRateLimiter(storage)
    allowed = True
    for item in _limits(scope):
        allowed = strategy.hit(item, "chapar-limits", "email", scope, client_key()) and allowed
    return allowed


def _limits(scope):
    setting = f"CHAPAR_EMAIL_{scope.upper()}_RATE_LIMIT"
    value = os.environ.get(setting, "").strip()
    if value:
        try:
            return parse_many(value)
        except ValueError:  # a typo must not turn every unsubscribe into a server error
            log.warning("%s=%r is not a rate limit; using %r", setting, value, DEFAULTS[scope])
    return parse_many(DEFAULTS[scope])


def guard(scope):
    """before_request of a public blueprint: 413 for an oversized body, 429 over the limit."""
    request.max_content_length = MAX_BODY_BYTES  # also caps a chunked body, which has no length
    if (request.content_length or 0) > MAX_BODY_BYTES:
        abort(413)
    if not within_limit(scope):
        abort(429)
