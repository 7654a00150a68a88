"""Admin pages for SMS gateways: list, create, edit, delete, test the connection, send a test SMS.

Creating, changing and deleting a gateway are audited, secrets by name only. The pages live
beside the public callbacks (/sms/gateways/<id>/<name>, callbacks.py): the routes here with a
fixed last part (delete, test, send-test) take precedence, so no provider may name a callback so.
"""
import logging

from chapar import Program, record_audit, require_role
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import numbers
from .gateway_forms import clean_gateway, changed_fields, input_name, is_secret, save_gateway
from .gateways import SmsGateway, gateway_for
from .inbound import reply
from .providers.registry import forget, provider_for, provider_kinds
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
# A program in one of these states will still send, so its gateway must stay.
ACTIVE = ("scheduled", "sending", "paused")


def _gateway_or_404(gateway_id):
    gateway = SmsGateway.get_or_none(SmsGateway.id == gateway_id)
    if gateway is None:
        abort(404)
    return gateway


def _channel_settings():
    from chapar.channels import channel_settings  # noqa: PLC0415  public_url and default_region, as inbound.py

    return channel_settings("sms")


def _kind_choices(current=""):
    """[(kind, label)] of the installed kinds, plus `current` if its plugin is gone (so it shows)."""
    choices = [(kind, str(cls.label or kind)) for kind, cls in provider_kinds().items()]
    if current and current not in dict(choices):
        choices.append((current, _("%(kind)s (not installed)", kind=current)))
    return choices


def _form(gateway, values, settings, errors, kind, status=200):
    """The gateway form for provider `kind`: `values` the gateway's own inputs, `settings` the
    provider's (secrets never among them)."""
    provider_class = provider_kinds().get(kind)
    fields = provider_class.settings_fields if provider_class else ()
    stored = gateway.settings if gateway is not None and gateway.kind == kind else {}
    return render_template(
        "chapar_sms/gateway_form.html", gateway=gateway, values=values, kind=kind, kinds=_kind_choices(kind),
        provider_class=provider_class, fields=fields, settings=settings, input_name=input_name, is_secret=is_secret,
        secrets_set={f.name: bool(stored.get(f.name)) for f in fields if is_secret(f)},
        callbacks=callback_urls(gateway) if gateway is not None else [], public_url=_public_url(),
        setup=setup_text(gateway) if gateway is not None else "",
        errors={k: str(ERRORS.get(v, v)) for k, v in errors.items()}), status


def _shown_settings(fields, settings):
    return {f.name: ("" if is_secret(f) else settings.get(f.name, f.default)) for f in fields}


@pages.route("/gateways/")
@require_role("admin")
def gateways():
    rows = list(SmsGateway.select().order_by(SmsGateway.is_default.desc(), SmsGateway.name))
    return render_template("chapar_sms/gateways.html", gateways=rows, kinds=dict(_kind_choices()))


@pages.route("/gateways/new", methods=["GET", "POST"])
@require_role("admin")
def gateway_new():
    if request.method == "POST":
        return _save(None)
    kinds = provider_kinds()
    kind = request.args.get("kind") if request.args.get("kind") in kinds else next(iter(kinds), "")
    fields = kinds[kind].settings_fields if kind else ()
    values = {"kind": kind, "is_default": not SmsGateway.select().exists()}  # the first one sends by default
    return _form(None, values, _shown_settings(fields, {}), {}, kind)


@pages.route("/gateways/<int:gateway_id>", methods=["GET", "POST"])
@require_role("admin")
def gateway_edit(gateway_id):
    gateway = _gateway_or_404(gateway_id)
    if request.method == "POST":
        return _save(gateway)
    kinds = provider_kinds()
    kind = request.args.get("kind") if request.args.get("kind") in kinds else gateway.kind
    fields = kinds[kind].settings_fields if kind in kinds else ()
    values = {name: getattr(gateway, name) for name in ("name", "sender", "rate_per_second", "is_default")}
    values["kind"] = kind
    if values["rate_per_second"] is not None and float(values["rate_per_second"]).is_integer():
        values["rate_per_second"] = int(values["rate_per_second"])  # 30, not 30.0
    return _form(gateway, values, _shown_settings(fields, gateway.settings if kind == gateway.kind else {}), {},
                 kind)


def _save(gateway):
    values, settings, errors = clean_gateway(request.form, gateway)
    kind = values["kind"]
    if errors:
        provider_class = provider_kinds().get(kind)
        fields = provider_class.settings_fields if provider_class else ()
        typed = {f.name: ("" if is_secret(f) else (input_name(f) in request.form if f.kind == "checkbox"
                                                    else request.form.get(input_name(f), ""))) for f in fields}
        return _form(gateway, values, typed, errors, kind if provider_class else (gateway.kind if gateway else ""),
                     status=422)
    fields = provider_kinds()[kind].settings_fields
    if gateway is None:
        gateway = save_gateway(values, settings)
        _audit("created", gateway, kind=gateway.kind, sender=gateway.sender, is_default=gateway.is_default,
               settings={k: v for k, v in settings.items() if k not in {f.name for f in fields if is_secret(f)}})
    else:
        changed, secrets = changed_fields(gateway, values, settings, fields)
        gateway = save_gateway(values, settings, gateway)
        _audit("updated", gateway, changed=changed, secrets_changed=secrets)
    flash(_("SMS gateway saved."), "ok")
    return redirect(url_for("chapar_sms.gateway_edit", gateway_id=gateway.id))


def _audit(action, gateway, **details):
    record_audit(f"sms.gateway_{action}", current_user._get_current_object(), f"SMS gateway #{gateway.id}",
                 name=gateway.name, **details)


def programs_using(gateway):
    """SMS programs that will still send through `gateway`: those naming it, and those naming none
    while it is the one gateway_for("") picks (they would otherwise switch gateway)."""
    uses = Program.provider == str(gateway.id)
    default = gateway_for("")
    if default is not None and default.id == gateway.id:
        uses |= (Program.provider == "") | Program.provider.is_null()
    return list(Program.select().where((Program.channel == "sms") & Program.status.in_(ACTIVE) & uses)
                .order_by(Program.id))


@pages.route("/gateways/<int:gateway_id>/delete", methods=["GET", "POST"])
@require_role("admin")
def gateway_delete(gateway_id):
    """GET asks for confirmation; POST deletes, unless a scheduled, sending or paused program uses it."""
    gateway = _gateway_or_404(gateway_id)
    blocking = programs_using(gateway)
    if request.method == "GET" or blocking:
        return render_template("chapar_sms/gateway_delete.html", gateway=gateway, blocking=blocking), (
            409 if blocking and request.method == "POST" else 200)
    _audit("deleted", gateway, kind=gateway.kind, sender=gateway.sender)
    gateway.delete_instance()
    forget(gateway_id)
    flash(_("SMS gateway deleted."), "ok")
    return redirect(url_for("chapar_sms.gateways"))


@pages.route("/gateways/<int:gateway_id>/test", methods=["POST"])
@require_role("admin")
def gateway_test(gateway_id):
    """Ask the gateway's provider to check the saved settings; show what the gateway answered."""
    gateway = _gateway_or_404(gateway_id)
    try:
        answer = provider_for(gateway).test_connection()
    except Exception as exc:  # any failure of any provider is the admin's to read, not a 500
        log.info("SMS gateway %s: connection test failed: %s", gateway.name, exc)
        return _report(gateway, False, [str(exc) or type(exc).__name__])
    return _report(gateway, True, [answer] if answer else [])


@pages.route("/gateways/<int:gateway_id>/send-test", methods=["POST"])
@require_role("admin")
def gateway_send_test(gateway_id):
    """Send one SMS to the number typed, outside any program."""
    gateway = _gateway_or_404(gateway_id)
    raw, text = (request.form.get("number") or "").strip(), (request.form.get("text") or "").strip()
    if not text:
        return _report(gateway, False, [_("Enter the text to send.")], 422)
    try:
        number = numbers.normalize(raw, _channel_settings().get("default_region") or "")
    except ValueError:
        return _report(gateway, False, [_("“%(number)s” is not a valid phone number.", number=raw)], 422)
    try:
        outcome = reply(gateway, number, text)
    except Exception as exc:  # a provider's own failure, beyond those reply() words itself
        log.info("SMS gateway %s: test SMS failed: %s", gateway.name, exc)
        outcome = f"failed: {exc or type(exc).__name__}"
    if outcome == "sent":
        return _report(gateway, True, [_("Accepted by the gateway for %(number)s.", number=number)])
    return _report(gateway, False, [outcome.removeprefix("failed: ")])


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


def _report(gateway, ok, lines, status=200):
    """The gateway's replies: a fragment for htmx, a whole page without JavaScript."""
    template = "_report.html" if request.headers.get("HX-Request") else "report_page.html"
    return render_template(f"chapar_sms/{template}", gateway=gateway, ok=ok, lines=lines), status
