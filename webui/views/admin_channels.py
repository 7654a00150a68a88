"""Channel settings: one generic page renders any channel's `settings_fields` (admins only).

Plugins write no settings views. Secrets are never sent back to the browser: their input stays
empty, the page says whether one is set, and an empty input keeps the stored value
(chapar.channels.save_channel_settings). "Test connection" calls the channel's test_connection
with the saved settings and shows its reply or its error.
"""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from chapar.access import require_role
from chapar.audit import record
from chapar.channels import UnknownChannel, channel_settings, channels, get_channel, public_settings
from chapar.channels import save_channel_settings
from chapar.programs.labels import CAPABILITY_LABELS

from . import blueprint
from .program_compose import field_message
from .render import render

ADDRESS_LABELS = {"email": _l("Email"), "mobile": _l("Mobile"), "fax": _l("Fax"), "postal": _l("Postal address")}


def channel_or_404(identifier):
    try:
        return get_channel(identifier)
    except UnknownChannel:
        abort(404)


def input_kind(field):
    """The form_field type for a settings field."""
    return {"html": "textarea", "password": "password"}.get(field.kind, "password" if field.secret else field.kind)


def shown_values(channel, form=None):
    """What the inputs show: saved values (or the typed ones after an error); never a secret."""
    saved = public_settings(channel.identifier)
    if form is None:
        return {f.name: ("" if f.secret else saved.get(f.name)) for f in channel.settings_fields}
    return {f.name: ("" if f.secret else (f.name in form if f.kind == "checkbox" else form.get(f.name, "")))
            for f in channel.settings_fields}


@blueprint.route("/admin/channels")
@require_role("admin")
def admin_channels():
    installed, missing = channels(), {}
    for identifier, channel in installed.items():  # required settings still empty, by label
        saved = public_settings(identifier)
        missing[identifier] = [f.label for f in channel.settings_fields
                               if f.required and saved.get(f.name) in (None, "", False)]
    return render("webui/admin/channels.html", channels=installed, missing=missing,
                  capability_labels=CAPABILITY_LABELS, address_labels=ADDRESS_LABELS)


def show(channel, status=200, errors=None, form=None, test=None):
    return render("webui/admin/channels_settings.html", status=status, channel=channel, errors=errors or {},
                  values=shown_values(channel, form), secrets_set=public_settings(channel.identifier),
                  input_kind=input_kind, capability_labels=CAPABILITY_LABELS, address_labels=ADDRESS_LABELS, test=test)


@blueprint.route("/admin/channels/<identifier>", methods=["GET", "POST"])
@require_role("admin")
def admin_channel(identifier):
    channel = channel_or_404(identifier)
    if request.method != "POST":
        return show(channel)
    submitted = {f.name: (f.name in request.form if f.kind == "checkbox" else request.form.get(f.name, ""))
                 for f in channel.settings_fields}
    errors = save_channel_settings(channel.identifier, submitted)
    if errors:
        fields = {f.name: f for f in channel.settings_fields}
        shown = {name: field_message(code, fields.get(name)) for name, code in errors.items()}
        return show(channel, status=422, errors=shown, form=request.form)
    changed = sorted(f.name for f in channel.settings_fields if not (f.secret and not submitted[f.name]))
    record("channel.settings_saved", current_user._get_current_object(), f"channel {channel.identifier}",
           fields=changed)  # names only: values may be secrets
    flash(_("Saved the settings of %(channel)s.", channel=channel.label or channel.identifier), "ok")
    return redirect(url_for("webui.admin_channel", identifier=channel.identifier))


@blueprint.route("/admin/channels/<identifier>/test", methods=["POST"])
@require_role("admin")
def admin_channel_test(identifier):
    """Try the saved settings against the provider."""
    channel = channel_or_404(identifier)
    try:
        reply = channel.test_connection(channel_settings(channel.identifier))
        test = ("ok", _("The connection works.") + (f" {reply}" if reply else ""))
    except Exception as exc:  # noqa: BLE001 - any failure of the plugin is the answer to show
        current_app.logger.info("test_connection of %s failed: %s", channel.identifier, exc)
        test = ("error", _("The connection failed: %(error)s", error=f"{type(exc).__name__}: {exc}"))
    record("channel.tested", current_user._get_current_object(), f"channel {channel.identifier}", outcome=test[0])
    return show(channel, test=test)
