"""Who is asking: Flask-Login for browser sessions, Bearer tokens for the API, role checks."""
import secrets
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import LoginManager, current_user

from .models import User, role_at_least

login_manager = LoginManager()
login_manager.login_view = "webui.login"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id):
    try:
        user = User.get_or_none(User.id == int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


SESSION_EPOCH_KEY = "chapar:session-epoch:{}"


def session_epoch(user_id, start=False):
    """The user's current session epoch (a random string kept in Redis), or None when there is
    none. A sign-in records it in the session (start=True creates it if needed); a session holding
    any other value has ended (see end_sessions). Should Redis lose the value, every session of
    the user ends rather than revives."""
    from .queue import get_redis

    redis, key = get_redis(), SESSION_EPOCH_KEY.format(user_id)
    if start:
        redis.set(key, secrets.token_hex(8), nx=True)
    value = redis.get(key)
    return value.decode() if value is not None else None


def end_sessions(user_id):
    """End every web session of the user, on every device: sessions are signed cookies that the
    server cannot delete, so each one is checked against this epoch on every request."""
    from .queue import get_redis

    get_redis().set(SESSION_EPOCH_KEY.format(user_id), secrets.token_hex(8))


def current_role():
    """The role in force: a token's role for API calls, else the logged-in user's."""
    token = g.get("api_token")
    if token is not None:
        return token.role
    return current_user.role if current_user.is_authenticated else None


def require_role(role):
    """Decorator: the caller must be logged in (or hold a token) with at least `role`."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            have = current_role()
            if have is None:
                if request.path.startswith("/api/"):
                    abort(401)
                return redirect(url_for("webui.login", next=request.full_path.rstrip("?")))
            if not role_at_least(have, role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorate


def init_app(app):
    login_manager.init_app(app)
