"""Admin pages for sender identities: list, create, edit, delete, test the connection, send a test.
Creating, changing and deleting an identity are audited, never with a secret's value."""
import smtplib

from chapar import ProviderAccounts, require_role
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .identities import (
    SECURITY_CHOICES,
    SenderIdentity,
    clean_identity,
    identity_for,
    save_identity,
)
from .test_send import connection_report, send_test

pages = Blueprint("chapar_email", __name__, url_prefix="/email")
# Lazy: translated when a form is shown, in the admin's language, not once at import.
ERRORS = {"required": _l("This field is required."), "not_a_choice": _l("Pick one of the choices."),
          "out_of_range": _l("Out of range."), "not_a_number": _l("A positive number, please."),
          "not_an_address": _l("Not a usable email address (the part before @ must be ASCII)."),
          "taken": _l("Another identity has this name."),
          "same_folder": _l("Processed mail must go to another folder than the one polled.")}
SECRETS = ("password", "imap_password", "dkim_private_key")  # audited by name only, never by value
IDENTITIES = ProviderAccounts(model=SenderIdentity, channel="email", noun="identity", label="sender identity",
                              templates="chapar_email", default=lambda: identity_for(""), flash_category="success")


def _form(identity, values, errors, status=200, report=None):
    return render_template("chapar_email/identity_form.html", identity=identity, values=values,
                           errors={k: str(ERRORS.get(v, v)) for k, v in errors.items()},
                           security=[(s, s.upper() if s != "none" else _("None")) for s in SECURITY_CHOICES],
                           report=report), status


@pages.route("/identities/")
@require_role("admin")
def identities():
    rows = list(SenderIdentity.select().order_by(SenderIdentity.name))
    return render_template("chapar_email/identities.html", identities=rows)


@pages.route("/identities/new", methods=["GET", "POST"])
@require_role("admin")
def identity_new():
    if request.method == "GET":
        return _form(None, {"port": 587, "security": "starttls", "max_connections": 2}, {})
    return _save(None)


@pages.route("/identities/<int:identity_id>", methods=["GET", "POST"])
@require_role("admin")
def identity_edit(identity_id):
    identity = IDENTITIES.get_or_404(identity_id)
    if request.method == "GET":
        values = {name: getattr(identity, name) for name in identity._meta.fields}
        values.pop("password", None)  # never shown back
        values.pop("dkim_private_key", None)
        values.pop("imap_password", None)
        return _form(identity, values, {})
    return _save(identity)


def _save(identity):
    values, errors = clean_identity(request.form, identity)
    clash = SenderIdentity.select().where(SenderIdentity.name == values.get("name"))
    if identity is not None:
        clash = clash.where(SenderIdentity.id != identity.id)
    if values.get("name") and clash.exists():
        errors["name"] = "taken"
    if errors:
        shown = {k: v for k, v in values.items() if k not in ("password", "dkim_private_key", "imap_password")}
        return _form(identity, shown, errors, status=422)
    if identity is None:
        identity = save_identity(values)
        IDENTITIES.audit("created", identity, host=identity.host, port=identity.port, security=identity.security,
                         from_address=identity.from_address)
    else:
        changed = {k: [getattr(identity, k), v] for k, v in values.items()
                   if k not in SECRETS and getattr(identity, k) != v}
        secrets = sorted(k for k in SECRETS if getattr(identity, k) != values.get(k, getattr(identity, k)))
        identity = save_identity(values, identity)
        IDENTITIES.audit("updated", identity, changed=changed, secrets_changed=secrets)
    flash(_("Sender identity saved."), "success")
    return redirect(url_for("chapar_email.identity_edit", identity_id=identity.id))


@pages.route("/identities/<int:identity_id>/delete", methods=["GET", "POST"])
@require_role("admin")
def identity_delete(identity_id):
    """GET asks for confirmation; POST deletes, unless a scheduled, sending or paused program uses it."""
    identity = IDENTITIES.get_or_404(identity_id)
    return IDENTITIES.delete(identity, _("Sender identity deleted."), url_for("chapar_email.identities"),
                             host=identity.host, from_address=identity.from_address)


@pages.route("/identities/<int:identity_id>/test", methods=["POST"])
@require_role("admin")
def identity_test(identity_id):
    identity = IDENTITIES.get_or_404(identity_id)
    ok, lines = connection_report(identity)
    return IDENTITIES.report(identity, ok, lines)


@pages.route("/identities/<int:identity_id>/send-test", methods=["POST"])
@require_role("admin")
def identity_send_test(identity_id):
    identity = IDENTITIES.get_or_404(identity_id)
    address = (request.form.get("address") or "").strip()
    if "@" not in address:
        return IDENTITIES.report(identity, False, [_("Enter an email address.")], 422)
    try:
        lines = [send_test(identity, address)]
        ok = True
    except smtplib.SMTPRecipientsRefused as exc:
        ok, lines = False, [f"{code} {reply.decode(errors='replace')}" for code, reply in exc.recipients.values()]
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        ok, lines = False, [str(exc)]
    return IDENTITIES.report(identity, ok, lines)
