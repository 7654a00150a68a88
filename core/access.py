"""Who is asking: Flask-Login for browser sessions, Bearer tokens for the API, role checks."""
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
