"""Signing in and out, and changing one's own password."""
import hashlib

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from chapar import audit, events
from chapar.access import end_sessions, require_role, session_epoch
from chapar.models import User
from chapar.passwords import MAX_LENGTH, MIN_LENGTH, password_problem, verify_password
from chapar.queue import get_redis
from chapar.security import charge_login_attempt
from chapar.users import authenticate, normalise_email, set_password

from . import blueprint
from .render import render, safe_next
from .shell import format_number

# argon2 time grows with input; no password can be set longer (chapar.passwords.MAX_LENGTH).
MAX_PASSWORD_LENGTH = MAX_LENGTH


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
    session["epoch"] = session_epoch(user.id, start=True)


@blueprint.before_app_request
def _end_stale_session():
    """End a session whose password changed since it began, or that signing out (anywhere) or
    deactivation ended: the cookie itself cannot be taken back, so it is checked every time."""
    if request.path.startswith("/api/"):
        return  # the API ignores sessions: its caller is the token's owner
    if not current_user.is_authenticated:
        return
    marker = session.get("pw")
    epoch = session_epoch(current_user.id)
    if (marker and marker != _password_marker(current_user)) or epoch is None or session.get("epoch") != epoch:
        logout_user()
        session.clear()


def _refuse_limited_attempt(charge, email):
    """429 for a sign-in attempt over a limit; audited once per limit and window, so a flood of
    refused attempts cannot flood the audit log."""
    flag = f"chapar:login-limit-audited:{charge.refused}:{charge.refused_key}"
    if get_redis().set(flag, 1, nx=True, ex=charge.retry_after):
        audit.record("login.rate_limited", target=normalise_email(email), limit=charge.refused)
    message = (_("Too many sign-in attempts for this account. Please wait a minute and try again.")
               if charge.refused == "account" else None)
    abort(429, description=message, retry_after=charge.retry_after)


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if request.method != "POST":
        return render("webui/login.html", next=target)
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:MAX_PASSWORD_LENGTH]
    # Counted before the password is checked, so concurrent guesses cannot overshoot a limit;
    # given back below when the sign-in succeeds, so colleagues behind one address signing in
    # do not lock each other out.
    charge = charge_login_attempt(normalise_email(email))
    if charge.refused:
        _refuse_limited_attempt(charge, email)
    user = authenticate(email, password) if email and password else None
    if user is not None:
        charge.refund()
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
        end_sessions(user.id)  # copies of this session's cookie, and the user's other sessions, end too
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
    elif problem == "too_long":
        errors["new_password"] = _("Use at most %(count)s characters.", count=format_number(MAX_LENGTH))
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
    if request.method != "POST":
        return _password_page(target, {})
    current = request.form.get("current_password", "")[:MAX_PASSWORD_LENGTH]
    # Not cut short: a new password over the limit is refused with a message, not changed.
    new = request.form.get("new_password", "")
    confirm = request.form.get("confirm_password", "")
    errors = _password_errors(user, current, new, confirm)
    if errors:
        if "current_password" in errors:
            audit.record("password.change_failed", actor=user, target=user.email)
        return _password_page(target, errors, status=422)
    set_password(user, new)
    session["pw"] = _password_marker(user)  # this session stays; others end
    audit.record("password.changed", actor=user, target=user.email)
    flash(_("Your password has been changed."), "ok")
    return redirect(target, 303)
