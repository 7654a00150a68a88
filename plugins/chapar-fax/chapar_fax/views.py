"""Admin pages for fax lines (list, create, edit, delete, test the connection, send a test fax) and
the download of received faxes (any signed-in role that sees the received list).

Creating, changing and deleting a line are audited, secrets by name only. The pages live beside
the public callbacks (/fax/lines/<id>/<name>, callbacks.py): the routes here with a fixed last
part (delete, test, send-test) take precedence, so no transport may name a callback so.
"""
import logging
import tempfile
from pathlib import Path

from chapar import InboundMessage, Program, channel_settings, record_audit, require_role
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import numbers
from .document import FaxDocumentError, render_fax
from .line_forms import changed_fields, clean_line, input_name, is_secret, save_line
from .lines import FaxLine, line_for
from .outgoing import image_for, submit
from .settings import callback_url
from .store import received_path
from .tiff import FaxImageError
from .transports.base import FaxDocument
from .transports.registry import forget, transport_for, transport_kinds

log = logging.getLogger(__name__)
pages = Blueprint("chapar_fax", __name__, url_prefix="/fax")
ERRORS = {"required": _l("This field is required."), "not_a_choice": _l("Pick one of the choices."),
          "not_a_number": _l("A number, please."), "not_positive": _l("A positive number, please."),
          "too_long": _l("Too long."), "not_text": _l("Text, please."), "taken": _l("Another fax line has this name."),
          "bad_number": _l("Not a valid fax number."), "out_of_range": _l("A whole number in the allowed range, please.")}
CALLBACK_LABELS = {"status": _l("Status reports"), "received": _l("Received faxes")}
ACTIVE = ("scheduled", "sending", "paused")  # a program in these states will still send
OWN_INPUTS = ("name", "sender", "rate_per_second", "is_default", "max_tries", "retry_minutes")


def _line_or_404(line_id):
    return FaxLine.get_or_none(FaxLine.id == line_id) or abort(404)


def _settings():
    return channel_settings("fax")


def _kind_choices(current=""):
    """[(kind, label)] of the installed kinds, plus `current` if its plugin is gone (so it shows)."""
    choices = [(kind, str(cls.label or kind)) for kind, cls in transport_kinds().items()]
    if current and current not in dict(choices):
        choices.append((current, _("%(kind)s (not installed)", kind=current)))
    return choices


def _form(line, values, shown, errors, kind, status=200):
    """The line form for transport `kind`: `values` the line's own inputs, `shown` the transport's
    settings as shown (secrets never among them)."""
    transport_class = transport_kinds().get(kind)
    fields = transport_class.settings_fields if transport_class else ()
    stored = line.settings if line is not None and line.kind == kind else {}
    return render_template(
        "chapar_fax/line_form.html", line=line, values=values, kind=kind, kinds=_kind_choices(kind),
        transport_class=transport_class, fields=fields, settings=shown, input_name=input_name,
        is_secret=lambda field: is_secret(field, transport_class),
        secrets_set={f.name: bool(stored.get(f.name)) for f in fields if is_secret(f, transport_class)},
        callbacks=callback_urls(line) if line is not None else [],
        public_url=(_settings().get("public_url") or "").strip(),
        errors={k: str(ERRORS.get(v, v)) for k, v in errors.items()}), status


def _shown(transport_class, settings):
    fields = transport_class.settings_fields if transport_class else ()
    return {f.name: ("" if is_secret(f, transport_class) else settings.get(f.name, f.default)) for f in fields}


@pages.route("/lines/")
@require_role("admin")
def lines():
    rows = list(FaxLine.select().order_by(FaxLine.is_default.desc(), FaxLine.name))
    return render_template("chapar_fax/lines.html", lines=rows, kinds=dict(_kind_choices()))


@pages.route("/lines/new", methods=["GET", "POST"])
@require_role("admin")
def line_new():
    if request.method == "POST":
        return _save(None)
    kinds = transport_kinds()
    kind = request.args.get("kind") if request.args.get("kind") in kinds else next(iter(kinds), "")
    values = {"kind": kind, "is_default": not FaxLine.select().exists(), "max_tries": 3, "retry_minutes": 5}
    return _form(None, values, _shown(kinds.get(kind), {}), {}, kind)


@pages.route("/lines/<int:line_id>", methods=["GET", "POST"])
@require_role("admin")
def line_edit(line_id):
    line = _line_or_404(line_id)
    if request.method == "POST":
        return _save(line)
    kinds = transport_kinds()
    kind = request.args.get("kind") if request.args.get("kind") in kinds else line.kind
    values = {name: getattr(line, name) for name in OWN_INPUTS} | {"kind": kind}
    if values["rate_per_second"] is not None and float(values["rate_per_second"]).is_integer():
        values["rate_per_second"] = int(values["rate_per_second"])
    return _form(line, values, _shown(kinds.get(kind), line.settings if kind == line.kind else {}), {}, kind)


def _save(line):
    values, settings, errors = clean_line(request.form, _settings().get("default_region") or "", line)
    kind = values["kind"]
    transport_class = transport_kinds().get(kind)
    if errors:
        fields = transport_class.settings_fields if transport_class else ()
        typed = {f.name: ("" if is_secret(f, transport_class) else (
            input_name(f) in request.form if f.kind == "checkbox" else request.form.get(input_name(f), "")))
            for f in fields}
        return _form(line, values, typed, errors, kind if transport_class else (line.kind if line else ""), 422)
    if line is None:
        line = save_line(values, settings)
        secret_names = {f.name for f in transport_class.settings_fields if is_secret(f, transport_class)}
        _audit("created", line, kind=line.kind, sender=line.sender, is_default=line.is_default,
               settings={k: v for k, v in settings.items() if k not in secret_names})
    else:
        changed, secrets = changed_fields(line, values, settings, transport_class)
        line = save_line(values, settings, line)
        _audit("updated", line, changed=changed, secrets_changed=secrets)
    flash(_("Fax line saved."), "ok")
    return redirect(url_for("chapar_fax.line_edit", line_id=line.id))


def _audit(action, line, **details):
    record_audit(f"fax.line_{action}", current_user._get_current_object(), f"fax line #{line.id}",
                 name=line.name, **details)


def programs_using(line):
    """Fax programs that will still send through `line`: those naming it, and those naming none
    while it is the one line_for("") picks."""
    uses = Program.provider == str(line.id)
    default = line_for("")
    if default is not None and default.id == line.id:
        uses |= (Program.provider == "") | Program.provider.is_null()
    return list(Program.select().where((Program.channel == "fax") & Program.status.in_(ACTIVE) & uses)
                .order_by(Program.id))


@pages.route("/lines/<int:line_id>/delete", methods=["GET", "POST"])
@require_role("admin")
def line_delete(line_id):
    """GET asks for confirmation; POST deletes, unless a scheduled, sending or paused program uses it."""
    line = _line_or_404(line_id)
    blocking = programs_using(line)
    if request.method == "GET" or blocking:
        return render_template("chapar_fax/line_delete.html", line=line, blocking=blocking), (
            409 if blocking and request.method == "POST" else 200)
    _audit("deleted", line, kind=line.kind, sender=line.sender)
    line.delete_instance()
    forget(line_id)
    flash(_("Fax line deleted."), "ok")
    return redirect(url_for("chapar_fax.lines"))


@pages.route("/lines/<int:line_id>/test", methods=["POST"])
@require_role("admin")
def line_test(line_id):
    """Ask the line's transport to check the saved settings; show what it answered."""
    line = _line_or_404(line_id)
    try:
        answer = transport_for(line).test_connection()
    except Exception as exc:  # noqa: BLE001 - any failure of any transport is the admin's to read, not a 500
        log.info("fax line %s: connection test failed: %s", line.name, exc)
        return _report(line, False, [str(exc) or type(exc).__name__])
    return _report(line, True, [answer] if answer else [])


@pages.route("/lines/<int:line_id>/send-test", methods=["POST"])
@require_role("admin")
def line_send_test(line_id):
    """Fax a one-page test to the number typed, outside any program."""
    line = _line_or_404(line_id)
    raw = (request.form.get("number") or "").strip()
    settings = _settings()
    try:
        number = numbers.e164(raw, settings.get("default_region") or "")
    except ValueError:
        return _report(line, False, [_("“%(number)s” is not a valid fax number.", number=raw)], 422)
    content = {"subject": _("Test fax"), "body": "<p>" + _("A test fax from Chapar.") + "</p>"}
    with tempfile.TemporaryDirectory(prefix="chapar-fax-test-") as folder:
        pdf, tiff = Path(folder) / "test.pdf", Path(folder) / "test.tif"
        try:
            count = render_fax(content, number, line.sender, pdf, page_size=settings.get("page_size") or "A4")
            document = FaxDocument(message_id=0, to=number, pdf_path=str(pdf), pages=count, sender=line.sender,
                                   tiff_path=image_for(pdf, tiff, line, settings))
            result = submit(line, [document])[0]
        except (FaxDocumentError, FaxImageError) as exc:
            return _report(line, False, [str(exc)])
        except Exception as exc:  # noqa: BLE001 - the transport's own failure: the admin's to read
            log.info("fax line %s: test fax failed: %s", line.name, exc)
            return _report(line, False, [str(exc) or type(exc).__name__])
    if result.outcome == "accepted":
        return _report(line, True, [_("Accepted for %(number)s, job %(job)s.", number=number, job=result.provider_id)])
    return _report(line, False, [result.error or result.outcome])


def callback_urls(line):
    """[(label, url)] of the line's callbacks, for the admin to paste into the transport; [] with
    no public address set."""
    transport_class = transport_kinds().get(line.kind)
    settings = _settings()
    return [(CALLBACK_LABELS.get(name, name), callback_url(settings, line, name))
            for name in (transport_class.callbacks if transport_class else ()) if callback_url(settings, line, name)]


def _report(line, ok, report_lines, status=200):
    """The transport's replies: a fragment for htmx, a whole page without JavaScript."""
    template = "_report.html" if request.headers.get("HX-Request") else "report_page.html"
    return render_template(f"chapar_fax/{template}", line=line, ok=ok, lines=report_lines), status


@pages.route("/received/<int:inbound_id>.pdf")
@require_role("viewer")
def received_pdf(inbound_id):
    """A received fax's PDF, for anyone who may see the program's received list."""
    inbound = InboundMessage.get_or_none((InboundMessage.id == inbound_id) & (InboundMessage.channel == "fax"))
    path = received_path(inbound.data.get("file")) if inbound is not None else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype="application/pdf", download_name=f"fax-{inbound.id}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response
