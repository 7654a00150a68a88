"""Signing in and out, and changing one's own password."""
import hashlib

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from chapar import audit, events
from chapar.access import require_role
from chapar.models import User
from chapar.passwords import MIN_LENGTH, password_problem, verify_password
from chapar.security import limiter
from chapar.users import authenticate, normalise_email, set_password

from . import blueprint
from .render import render, safe_next
from .shell import format_number

# argon2 time grows with input; nobody types a longer password.
MAX_PASSWORD_LENGTH = 1024


def _login_rate_limit():
    return current_app.config["CHAPAR"].LOGIN_RATE_LIMIT


def _failed(response):
    # Only failed attempts count toward the limit, so an office behind one address is not
    # locked out by colleagues signing in successfully.
    return response.status_code not in (302, 303)


def _password_marker(user):
    """A short fingerprint of the password hash: sessions opened before a password change end."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _start_session(user):
    """Log in on a brand-new session (no fixation), keeping only the language.

    A language the visitor picked on the sign-in page wins over the one saved on the account:
    it is the more recent choice.
    """
    locale, picked = session.get("locale"), session.get("locale_picked")
    session.clear()
    if locale and (picked or not user.locale) and user.locale != locale:
        user.locale = locale
        user.save(only=[User.locale])
    login_user(user)
    session["pw"] = _password_marker(user)


@blueprint.before_app_request
def _end_stale_session():
    if request.path.startswith("/api/"):
        return  # the API ignores sessions: its caller is the token's owner
    marker = session.get("pw")
    if marker and current_user.is_authenticated and marker != _password_marker(current_user):
        logout_user()
        session.clear()


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"], deduct_when=_failed)
def login():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render("webui/login.html", next=target)
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:MAX_PASSWORD_LENGTH]
    user = authenticate(email, password) if email and password else None
    if user is None:
        # One message for every failure, so the page never tells whether an account exists.
        audit.record("login.failed", target=normalise_email(email))
        return render("webui/login.html", status=422, next=target, email=email,
                      error=_("Email or password is incorrect."))
    _start_session(user)
    audit.record("login.succeeded", actor=user, target=user.email)
    events.track("user.logged_in", actor=user)
    if user.must_change_password:
        return redirect(url_for("webui.change_password", next=target), 303)
    return redirect(target, 303)


@blueprint.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        audit.record("logout", actor=user, target=user.email)
        logout_user()
        locale = user.locale
        session.clear()
        if locale:
            session["locale"] = locale  # the sign-in page stays in the language they use
        flash(_("You have signed out."), "ok")
    return redirect(url_for("webui.login"), 303)


def _password_errors(user, current, new, confirm):
    errors = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = _("Your current password is not correct.")
    problem = password_problem(new)
    if problem == "too_short":
        errors["new_password"] = _("Use at least %(count)s characters.", count=format_number(MIN_LENGTH))
    elif problem:
        errors["new_password"] = _("A password cannot be only spaces.")
    elif new == current:
        errors["new_password"] = _("Choose a password different from the current one.")
    if new != confirm:
        errors["confirm_password"] = _("The two new passwords are not the same.")
    return errors


def _password_page(target, errors, status=200):
    return render("webui/change_password.html", status=status, next=target, errors=errors, min_length=MIN_LENGTH)


@blueprint.route("/account/password", methods=["GET", "POST"])
@require_role("viewer")
def change_password():
    user = current_user._get_current_object()
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return _password_page(target, {})
    current = request.form.get("current_password", "")[:MAX_PASSWORD_LENGTH]
    new = request.form.get("new_password", "")[:MAX_PASSWORD_LENGTH]
    confirm = request.form.get("confirm_password", "")[:MAX_PASSWORD_LENGTH]
    errors = _password_errors(user, current, new, confirm)
    if errors:
        return _password_page(target, errors, status=422)
    set_password(user, new)
    session["pw"] = _password_marker(user)  # this session stays; others end
    audit.record("password.changed", actor=user, target=user.email)
    flash(_("Your password has been changed."), "ok")
    return redirect(target, 303)
