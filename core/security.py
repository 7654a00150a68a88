"""Security defaults: CSRF on unsafe methods, rate limits, security headers, proxy trust, and the
request guards every route gets (no body on GET/HEAD, HEAD answered as GET, no NUL characters).
"""
import hashlib
import ipaddress
import math
import time

from flask import abort, current_app, request
from flask_limiter import Limiter
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from limits import parse_many
from limits.strategies import FixedWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

# The largest value of a signed 64-bit integer: the biggest id either database can store.
MAX_ID = 2**63 - 1


def client_address_key():
    """The client's address for rate limits; IPv6 addresses count per /64, since one host
    usually holds a whole /64 and could otherwise rotate through it to dodge a limit."""
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


csrf = CSRFProtect()


def rate_limit(limit_value, **options):
    """Decorator: limit a public view per client address, in Flask-Limiter's syntax ("30 per
    minute"); over the limit the client gets 429. Options go to Flask-Limiter's `limit`."""
    return limiter.limit(limit_value, **options)


def csrf_exempt(view_or_blueprint):
    """Exempt a public endpoint that takes no cookies (a provider's webhook, a one-click
    unsubscribe POST) from the CSRF check. Protect it with a signed token or a shared secret
    instead, and rate-limit it: it is open to the whole internet."""
    return csrf.exempt(view_or_blueprint)
limiter = Limiter(key_func=client_address_key, default_limits=[], headers_enabled=True)
LIMIT_KEY_PREFIX = "chapar-limits"

# Only the app's own origin. htmx's indicator styles are disabled in the layout so no inline
# style is needed; embeddable forms will relax frame-ancestors on their own routes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: a positive whole number a database id can hold (1 to 2**63-1).

    Anything larger is answered 404 by routing, before a database driver can overflow on it.
    Use it instead of `<int:...>` for record ids."""

    # In the pattern, not only in min/max: a path that fails the pattern matches no route (404),
    # while one that fails min/max could match another method's route on the path (405).
    regex = r"[1-9][0-9]{0,18}"

    def __init__(self, map, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, **kwargs)


# --- request guards --------------------------------------------------------------------------

def _has_body():
    if request.content_length:
        return True
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _contains_nul(value):
    """Whether `value` (parsed JSON, a form value) holds a NUL anywhere; iterative, so a hostile
    document nested thousands deep cannot exhaust the stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _nul_location():
    """Where the request carries a NUL character (path, query, form, files, json), or None."""
    if "\x00" in request.path:
        return "the path"
    if any(_contains_nul(key) or _contains_nul(value) for key, value in request.args.items(multi=True)):
        return "the query string"
    if request.mimetype == "application/x-www-form-urlencoded":
        # Keep the raw body readable (request.get_data()) after the form is parsed here, for a
        # view that must check a signature over it; multipart bodies may be large and are not kept.
        request.get_data(cache=True)
    if any(_contains_nul(key) or _contains_nul(value) for key, value in request.form.items(multi=True)):
        return "the form"
    if any(_contains_nul(key) or _contains_nul(upload.filename or "")
           for key, upload in request.files.items(multi=True)):
        return "the uploaded files"
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # the json module recurses per level: [[[[… runs out of stack
            _refuse("The JSON body is nested too deeply.")
        if _contains_nul(body):
            return "the JSON body"
    return None


def _refuse(message):
    """400: a JSON error with `message` under /api/, the generic error page elsewhere."""
    from .api.errors import is_api_request

    if is_api_request():
        abort(400, message)
    abort(400)


def cap_request_body(blueprint, max_bytes):
    """Refuse request bodies over `max_bytes` (413) on every route of `blueprint`, before anything
    reads them: Flask runs url_value_preprocessors ahead of every before_request, so also ahead of
    guard_request, which parses form, multipart and JSON bodies (up to CHAPAR_MAX_UPLOAD_MB) for the
    whole app. A body without a Content-Length (chunked) is read up to one byte past the limit and
    refused if it got there: werkzeug would cut it off silently and let the view see part of it.
    Use it on public endpoints: a provider's webhook needs kilobytes, not the upload limit."""
    limit = int(max_bytes)

    def preprocessor(_endpoint, _values):
        if request.content_length is not None and request.content_length > limit:
            abort(413)
        request.max_content_length = limit + 1
        if request.content_length is None and len(request.get_data(cache=True)) > limit:
            abort(413)

    blueprint.url_value_preprocessor(preprocessor)
    return blueprint


def guard_request():
    """before_request, ahead of CSRF, rate limits, authentication and every view.

    - GET and HEAD never carry a body: refused with 400, so no view can read form fields
      that did not go through the CSRF check.
    - HEAD is dispatched as GET (the server still sends no body). Views that test
      `request.method == "GET"` therefore never take their state-changing branch on HEAD,
      which Flask routes to every GET view and CSRF protection does not cover.
    - NUL characters in the path, query, form fields, file names or JSON strings are refused
      with 400: no database stores them (PostgreSQL raises) and no person types them.
    """
    if request.method in ("GET", "HEAD") and _has_body():
        _refuse(f"A {request.method} request must not have a body.")
    if request.method == "HEAD":
        request.method = "GET"
    where = _nul_location()
    if where:
        _refuse(f"NUL characters (\\u0000) are not accepted; one was found in {where}.")


# --- sign-in limits --------------------------------------------------------------------------

def _login_limits(email):
    """(scope, limit string, key) pairs for a sign-in attempt with `email`."""
    settings = current_app.config["CHAPAR"]
    limits = [("address", settings.LOGIN_RATE_LIMIT, client_address_key())]
    if email:
        digest = hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        limits.append(("account", settings.LOGIN_ACCOUNT_RATE_LIMIT, digest))
    return limits


class LoginCharge:
    """What charge_login_attempt took, so a successful sign-in can give it back.

    `refused` is None when the attempt may go ahead, else the scope ("address" or "account")
    whose limit is used up; `retry_after` is then the seconds until it frees up.
    """

    def __init__(self, strategy):
        self.strategy = strategy
        self.charged = []  # (item, identifiers)
        self.refused = None
        self.refused_key = ""
        self.retry_after = 0

    def refund(self):
        for item, identifiers in self.charged:
            self.strategy.hit(item, *identifiers, cost=-1)
        self.charged = []


def charge_login_attempt(email):
    """Count one sign-in attempt against the client address and against the account, before
    the password is checked (so concurrent guesses cannot overshoot the limit).

    The address limit is charged first; when it is used up the account's is left alone, so
    someone hammering from one address does not also lock the account for everyone else.
    """
    strategy = FixedWindowRateLimiter(limiter.storage)
    charge = LoginCharge(strategy)
    for scope, limit_string, key in _login_limits(email):
        identifiers = (LIMIT_KEY_PREFIX, "login", scope, key)
        for item in parse_many(limit_string):
            allowed = strategy.hit(item, *identifiers)
            charge.charged.append((item, identifiers))
            if not allowed:
                reset = strategy.get_window_stats(item, *identifiers).reset_time
                charge.retry_after = max(charge.retry_after, max(1, math.ceil(reset - time.time())))
                charge.refused = scope
                charge.refused_key = key
        if charge.refused:
            break
    return charge


def _limiter_storage_uri(app):
    settings = app.config["CHAPAR"]
    if settings.embedded_redis:
        return f"redis+unix://{settings.HOME / 'redis.sock'}"
    return settings.REDIS_URL


def init_app(app):
    settings = app.config["CHAPAR"]
    app.url_map.converters["id"] = IdConverter
    app.before_request(guard_request)  # first: before CSRF, limits and authentication
    if settings.PROXY_COUNT:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.PROXY_COUNT, x_proto=settings.PROXY_COUNT,
                                x_host=settings.PROXY_COUNT)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead of a clock
    app.config["WTF_CSRF_HEADERS"] = ["X-CSRFToken"]
    app.config["RATELIMIT_STORAGE_URI"] = _limiter_storage_uri(app)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", LIMIT_KEY_PREFIX)
    csrf.init_app(app)
    limiter.init_app(app)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if settings.HTTPS:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # A signed-in person's pages must not be kept by the browser (or a shared proxy) where
        # the back button or the next user of the machine could show them after sign-out.
        if response.mimetype == "text/html" and current_user.is_authenticated:
            headers.setdefault("Cache-Control", "no-store")
        return response
