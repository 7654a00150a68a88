"""Bearer-token authentication for /api/v1.

Every routed request under the API prefix needs `Authorization: Bearer chp_...`, except the
endpoints marked public (the OpenAPI document). Session cookies are deliberately ignored there:
a browser's ambient credentials must not be usable by another site's script, which is also why
the API needs no CSRF token.
"""
from datetime import timedelta

from flask import g, request
from flask.sessions import SecureCookieSession

from ..access import current_role
from ..models import role_at_least, utcnow
from ..tokens import find_token, touch
from .errors import abort, is_api_path

# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
TOUCH_INTERVAL = timedelta(minutes=1)

_INVALID = 'Bearer realm="Chapar", error="invalid_token"'
# What an API request leaves in g; cleared afterwards because tests share one app context.
_REQUEST_STATE = ("api_token", "api_user", "_login_user")


def bearer_secret():
    """The token presented in the Authorization header, or None when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def authenticate_request(public_endpoints):
    """before_request: check the Bearer token for API routes; abort with 401 when it is bad."""
    if request.endpoint is None or request.endpoint in public_endpoints:
        return  # unrouted (404/405 follow) or public
    if "Authorization" not in request.headers:
        abort(401, "Authentication required: send an API token as 'Authorization: Bearer chp_...'.")
    secret = bearer_secret()
    if secret is None:
        abort(401, "Malformed Authorization header: expected 'Bearer chp_...'.", headers={"WWW-Authenticate": _INVALID})
    token = find_token(secret)
    if token is None:
        abort(401, "Unknown or revoked API token.", headers={"WWW-Authenticate": _INVALID})
    user = token.user
    # A token keeps the role it was created with; if its owner was demoted since, refuse it
    # rather than let it outrank the person it acts for.
    if not role_at_least(user.role, token.role):
        abort(401, "This token's role is above its owner's current role; create a new token.",
              headers={"WWW-Authenticate": _INVALID})
    g.api_token = token
    g.api_user = user
    # Flask-Login's current_user reads g._login_user first: pin it to the token's owner so code
    # shared with the web UI never sees a session user on an API call.
    g._login_user = user
    if token.last_used_at is None or utcnow() - token.last_used_at >= TOUCH_INTERVAL:
        touch(token)


def check_role(role, message=None):
    """Abort with 403 unless the caller's token has at least `role` (for conditional checks;
    use chapar.access.require_role on the view for the endpoint's baseline)."""
    have = current_role()
    if have is None:
        abort(401, "Authentication required.")
    if not role_at_least(have, role):
        abort(403, message or f"This needs the {role} role; your token has the {have} role.")


def forget_request_state(_exc=None):
    """teardown_request: drop the token from g (tests run many requests in one app context)."""
    if "api_token" in g:
        for name in _REQUEST_STATE:
            g.pop(name, None)


class CookielessApiSessions:
    """Wraps the app's session interface so that under /api/ no session is read or written.

    Ignoring the cookie outright (rather than only not trusting it) means nothing that reads the
    session, such as the web UI's request hooks, can act on a browser session during an API call,
    and API responses never set a cookie.
    """

    def __init__(self, inner):
        self.inner = inner

    def open_session(self, app, incoming):
        if is_api_path(incoming.path):
            return SecureCookieSession()  # empty and thrown away: writes to it go nowhere
        return self.inner.open_session(app, incoming)

    def save_session(self, app, session, response):
        if is_api_path(request.path):
            return None
        return self.inner.save_session(app, session, response)

    def __getattr__(self, name):
        return getattr(self.inner, name)
