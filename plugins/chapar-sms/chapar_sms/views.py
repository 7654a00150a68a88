"""Admin pages for SMS gateways: list, create, edit, delete, test the connection, send a test SMS.

Creating, changing and deleting a gateway are audited, secrets by name only. The pages live
beside the public callbacks (/sms/gateways/<id>/<name>, callbacks.py): the routes here with a
fixed last part (delete, test, send-test) take precedence, so no provider may name a callback so.
"""
import logging

from chapar import channel_settings, require_role
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import numbers
from .gateway_forms import GATEWAYS, clean_gateway
from .gateways import SmsGateway
from .inbound import reply
from .providers.registry import provider_for, provider_kinds
from .settings import callback_url

log = logging.getLogger(__name__)
pages = Blueprint("chapar_sms", __name__, url_prefix="/sms")
# Lazy: translated when a form is shown, in the admin's language, not once at import.
ERRORS = {"required": _l("This field is required."), "not_a_choice": _l("Pick one of the choices."),
          "not_a_number": _l("A number, please."), "not_positive": _l("A positive number, please."),
          "too_long": _l("Too long."), "not_text": _l("Text, please."),
          "taken": _l("Another gateway has this name."),
          "bad_sender": _l("Letters and digits, at most 11 (a name), or digits only, at most 15 (a number).")}
CALLBACK_LABELS = {"receipt": _l("Delivery reports"), "inbound": _l("Received messages")}


def _channel_settings():
    return channel_settings("sms")  # public_url and default_region


def _form(gateway, values, errors, kind, status=200, typed=None):
    """The gateway form for provider `kind`: `values` the gateway's own inputs; the provider's
    settings as stored, or as `typed` in a refused form (secrets never among them)."""
    return render_template(
        "chapar_sms/gateway_form.html", gateway=gateway, values=values, kind=kind, kinds=GATEWAYS.kind_choices(kind),
        callbacks=callback_urls(gateway) if gateway is not None else [], public_url=_public_url(),
        setup=setup_text(gateway) if gateway is not None else "",
        errors={k: str(ERRORS.get(v, v)) for k, v in errors.items()}, **GATEWAYS.settings_view(gateway, kind, typed)), status


@pages.route("/gateways/")
@require_role("admin")
def gateways():
    rows = list(SmsGateway.select().order_by(SmsGateway.is_default.desc(), SmsGateway.name))
    return render_template("chapar_sms/gateways.html", gateways=rows, kinds=dict(GATEWAYS.kind_choices()))


@pages.route("/gateways/new", methods=["GET", "POST"])
@require_role("admin")
def gateway_new():
    if request.method == "POST":
        return _save(None)
    kind = GATEWAYS.chosen_kind(next(iter(provider_kinds()), ""))
    values = {"kind": kind, "is_default": not SmsGateway.select().exists()}  # the first one sends by default
    return _form(None, values, {}, kind)


@pages.route("/gateways/<int:gateway_id>", methods=["GET", "POST"])
@require_role("admin")
def gateway_edit(gateway_id):
    gateway = GATEWAYS.get_or_404(gateway_id)
    if request.method == "POST":
        return _save(gateway)
    kind = GATEWAYS.chosen_kind(gateway.kind)
    values = {name: getattr(gateway, name) for name in ("name", "sender", "rate_per_second", "is_default")}
    values["kind"] = kind
    if values["rate_per_second"] is not None and float(values["rate_per_second"]).is_integer():
        values["rate_per_second"] = int(values["rate_per_second"])  # 30, not 30.0
    return _form(gateway, values, {}, kind)


def _save(gateway):
    values, settings, errors = clean_gateway(request.form, gateway)
    if errors:
        kind = values["kind"] if values["kind"] in provider_kinds() else (gateway.kind if gateway else "")
        return _form(gateway, values, errors, kind, 422, typed=request.form)
    gateway = GATEWAYS.save(values, settings, gateway)
    flash(_("SMS gateway saved."), "ok")
    return redirect(url_for("chapar_sms.gateway_edit", gateway_id=gateway.id))


@pages.route("/gateways/<int:gateway_id>/delete", methods=["GET", "POST"])
@require_role("admin")
def gateway_delete(gateway_id):
    """GET asks for confirmation; POST deletes, unless a scheduled, sending or paused program uses it."""
    gateway = GATEWAYS.get_or_404(gateway_id)
    return GATEWAYS.delete(gateway, _("SMS gateway deleted."), url_for("chapar_sms.gateways"), kind=gateway.kind,
                           sender=gateway.sender)


@pages.route("/gateways/<int:gateway_id>/test", methods=["POST"])
@require_role("admin")
def gateway_test(gateway_id):
    """Ask the gateway's provider to check the saved settings; show what the gateway answered."""
    return GATEWAYS.test_connection(GATEWAYS.get_or_404(gateway_id))


@pages.route("/gateways/<int:gateway_id>/send-test", methods=["POST"])
@require_role("admin")
def gateway_send_test(gateway_id):
    """Send one SMS to the number typed, outside any program."""
    gateway = GATEWAYS.get_or_404(gateway_id)
    raw, text = (request.form.get("number") or "").strip(), (request.form.get("text") or "").strip()
    if not text:
        return GATEWAYS.report(gateway, False, [_("Enter the text to send.")], 422)
    try:
        number = numbers.normalize(raw, _channel_settings().get("default_region") or "")
    except ValueError:
        return GATEWAYS.report(gateway, False, [_("“%(number)s” is not a valid phone number.", number=raw)], 422)
    try:
        outcome = reply(gateway, number, text)
    except Exception as exc:  # noqa: BLE001 - a provider's own failure, beyond those reply() words itself
        log.info("SMS gateway %s: test SMS failed: %s", gateway.name, exc)
        outcome = f"failed: {exc or type(exc).__name__}"
    if outcome == "sent":
        return GATEWAYS.report(gateway, True, [_("Accepted by the gateway for %(number)s.", number=number)])
    return GATEWAYS.report(gateway, False, [outcome.removeprefix("failed: ")])


def _public_url():
    return (_channel_settings().get("public_url") or "").strip()


def callback_urls(gateway):
    """[(label, url)] of the gateway's callbacks, for the admin to paste into the gateway; [] with
    no public address set (callback_url gives "" then)."""
    provider_class = provider_kinds().get(gateway.kind)
    settings = _channel_settings()
    return [(CALLBACK_LABELS.get(name, name), callback_url(settings, gateway, name))
            for name in (provider_class.callbacks if provider_class else ()) if callback_url(settings, gateway, name)]


def setup_text(gateway):
    """The configuration to paste into the gateway, for kinds that give one (Kannel's sms-service
    group, through its `service_config()`); "" otherwise or without a public address."""
    if not _public_url():
        return ""
    try:
        service_config = getattr(provider_for(gateway), "service_config", None)
        return service_config() if callable(service_config) else ""
    except LookupError:  # its kind's plugin is not installed
        return ""
