"""Choosing the interface language: saved on the user when signed in, in the session otherwise."""
from flask import abort, redirect, request, session
from flask_login import current_user

from chapar.i18n import LANGUAGES
from chapar.models import User

from . import blueprint
from .render import safe_next


@blueprint.route("/language", methods=["POST"])
def set_language():
    locale = request.form.get("locale", "")
    if locale not in LANGUAGES:
        abort(400)
    session["locale"] = locale
    if not current_user.is_authenticated:
        session["locale_picked"] = True  # carried onto the account at sign-in
    elif current_user.locale != locale:
        current_user.locale = locale
        current_user.save(only=[User.locale])
    return redirect(safe_next(request.form.get("next")), 303)
