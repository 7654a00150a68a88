"""API tokens in the UI: everyone manages their own; admins also see and revoke everyone's.

A new token's secret is rendered into the response of the POST that made it and is never
stored, so closing the page loses it for good (the page says so).
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from chapar import tokens
from chapar.access import require_role
from chapar.audit import record
from chapar.models import ApiToken, User

from . import blueprint
from .admin_users import role_choices, secret_page
from .render import render


def _tokens_page(values=None, errors=None, new_token=None, secret=""):
    # Active tokens first, newest first.
    own = (ApiToken.select().where(ApiToken.user == current_user.id)
           .order_by(ApiToken.revoked_at.is_null(False), ApiToken.created_at.desc()))
    others = []
    if current_user.can("admin"):
        others = (ApiToken.select(ApiToken, User).join(User)
                  .where(ApiToken.user != current_user.id)
                  .order_by(ApiToken.revoked_at.is_null(False), User.email, ApiToken.created_at.desc()))
    context = dict(own=list(own), others=list(others), values=values or {"name": "", "role": current_user.role},
                   errors=errors or {}, roles=role_choices(up_to=current_user), new_token=new_token, secret=secret)
    if secret:
        return secret_page("webui/admin/tokens.html", **context)
    return render("webui/admin/tokens.html", status=422 if errors else 200, **context)


@blueprint.route("/account/tokens")
@require_role("viewer")
def account_tokens():
    return _tokens_page()


@blueprint.route("/account/tokens", methods=["POST"])
@require_role("viewer")
def account_token_create():
    values = {"name": request.form.get("name", "").strip(), "role": request.form.get("role", "")}
    errors = {}
    if not values["name"] or len(values["name"]) > 100:
        errors["name"] = _("Give the token a name of 1 to 100 characters, such as what will use it.")
    if values["role"] not in dict(role_choices(up_to=current_user)):
        errors["role"] = _("Choose your own role or a lower one.")
    if errors:
        return _tokens_page(values, errors)
    token, secret = tokens.create_token(current_user, values["name"], values["role"])
    record("token.created", actor=current_user, target=token.name, role=token.role, prefix=token.prefix)
    return _tokens_page(new_token=token, secret=secret)


def _revocable(token_id):
    """The token if the current user may revoke it (their own, or any for admins); 404 otherwise,
    so nobody learns which ids exist."""
    token = ApiToken.get_or_none(ApiToken.id == token_id)
    if token is None or (token.user_id != current_user.id and not current_user.can("admin")):
        abort(404)
    return token


@blueprint.route("/account/tokens/<id:token_id>/revoke", methods=["GET", "POST"])
@require_role("viewer")
def account_token_revoke(token_id):
    """GET asks for confirmation (this works without JavaScript); POST revokes."""
    token = _revocable(token_id)
    if request.method != "POST":
        return render("webui/admin/token_revoke.html", token=token)
    if token.active:
        tokens.revoke(token)
        record("token.revoked", actor=current_user, target=token.name, prefix=token.prefix,
               owner=token.user.email)
    flash(_("The token “%(name)s” is revoked; anything using it is now refused.", name=token.name), "ok")
    return redirect(url_for("webui.account_tokens"))
