"""Rate and size limits for the public endpoints (unsubscribe, tracking, the bounce webhook).

Rates are counted by the core's limiter (`chapar.rate_limit`, Flask-Limiter on Redis), per client
address (IPv6 per /64). `protect(blueprint, scope)` puts every route of a public blueprint under
the limit CHAPAR_EMAIL_<SCOPE>_RATE_LIMIT (environment, read on each request so tests and operators
can change it), each route counted on its own, and caps the body before anything reads it.
"""
import logging
import os

from chapar import cap_request_body, rate_limit
from limits import parse_many

log = logging.getLogger("chapar_email.limits")
DEFAULTS = {"unsubscribe": "30 per minute; 300 per hour", "tracking": "300 per minute"}
MAX_BODY_BYTES = 4096  # a one-click POST is 26 bytes; the preferences form well under 1 KB


def limit_string(scope):
    """The rate limit of `scope`: CHAPAR_EMAIL_<SCOPE>_RATE_LIMIT if it parses, else the default."""
    setting = f"CHAPAR_EMAIL_{scope.upper()}_RATE_LIMIT"
    value = os.environ.get(setting, "").strip()
    if value:
        try:
            parse_many(value)
            return value
        except ValueError:  # a typo must not turn every unsubscribe into a server error
            log.warning("%s=%r is not a rate limit; using %r", setting, value, DEFAULTS[scope])
    return DEFAULTS[scope]


def protect(blueprint, scope, max_bytes=MAX_BODY_BYTES):
    """Rate-limit every route of `blueprint` by `scope`'s setting and cap its request bodies."""
    rate_limit(lambda: limit_string(scope))(blueprint)
    cap_request_body(blueprint, max_bytes)
