"""Admin pages for fax lines (list, create, edit, delete, test the connection, send a test fax) and
the download of received faxes (any signed-in role that sees the received list).

Creating, changing and deleting a line are audited, secrets by name only. The pages live beside
the public callbacks (/fax/lines/<id>/<name>, callbacks.py): the routes here with a fixed last
part (delete, test, send-test) take precedence, so no transport may name a callback so.
"""
import logging
import tempfile
from pathlib import Path

from chapar import InboundMessage, channel_settings, require_role
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

from . import numbers
from .document import FaxDocumentError, render_fax
from .line_forms import LINES, clean_line
from .lines import FaxLine
from .outgoing import image_for, submit
from .settings import callback_url
from .store import received_path
from .tiff import FaxImageError
from .transports.base import FaxDocument
from .transports.registry import transport_kinds

log = logging.getLogger(__name__)
pages = Blueprint("chapar_fax", __name__, url_prefix="/fax")
ERRORS = {"required": _l("This field is required."), "not_a_choice": _l("Pick one of the choices."),
          "not_a_number": _l("A number, please."), "not_positive": _l("A positive number, please."),
          "too_long": _l("Too long."), "not_text": _l("Text, please."), "taken": _l("Another fax line has this name."),
          "bad_number": _l("Not a valid fax number."), "out_of_range": _l("A whole number in the allowed range, please.")}
CALLBACK_LABELS = {"status": _l("Status reports"), "received": _l("Received faxes")}
OWN_INPUTS = ("name", "sender", "rate_per_second", "is_default", "max_tries", "retry_minutes")


def _settings():
    return channel_settings("fax")


def _form(line, values, errors, kind, status=200, typed=None):
    """The line form for transport `kind`: `values` the line's own inputs; the transport's settings
    as stored, or as `typed` in a refused form (secrets never among them)."""
    return render_template(
        "chapar_fax/line_form.html", line=line, values=values, kind=kind, kinds=LINES.kind_choices(kind),
        callbacks=callback_urls(line) if line is not None else [],
        public_url=(_settings().get("public_url") or "").strip(),
        errors={k: str(ERRORS.get(v, v)) for k, v in errors.items()}, **LINES.settings_view(line, kind, typed)), status


@pages.route("/lines/")
@require_role("admin")
def lines():
    rows = list(FaxLine.select().order_by(FaxLine.is_default.desc(), FaxLine.name))
    return render_template("chapar_fax/lines.html", lines=rows, kinds=dict(LINES.kind_choices()))


@pages.route("/lines/new", methods=["GET", "POST"])
@require_role("admin")
def line_new():
    if request.method == "POST":
        return _save(None)
    kind = LINES.chosen_kind(next(iter(transport_kinds()), ""))
    values = {"kind": kind, "is_default": not FaxLine.select().exists(), "max_tries": 3, "retry_minutes": 5}
    return _form(None, values, {}, kind)


@pages.route("/lines/<int:line_id>", methods=["GET", "POST"])
@require_role("admin")
def line_edit(line_id):
    line = LINES.get_or_404(line_id)
    if request.method == "POST":
        return _save(line)
    kind = LINES.chosen_kind(line.kind)
    values = {name: getattr(line, name) for name in OWN_INPUTS} | {"kind": kind}
    if values["rate_per_second"] is not None and float(values["rate_per_second"]).is_integer():
        values["rate_per_second"] = int(values["rate_per_second"])
    return _form(line, values, {}, kind)


def _save(line):
    values, settings, errors = clean_line(request.form, _settings().get("default_region") or "", line)
    if errors:
        kind = values["kind"] if values["kind"] in transport_kinds() else (line.kind if line else "")
        return _form(line, values, errors, kind, 422, typed=request.form)
    line = LINES.save(values, settings, line)
    flash(_("Fax line saved."), "ok")
    return redirect(url_for("chapar_fax.line_edit", line_id=line.id))


@pages.route("/lines/<int:line_id>/delete", methods=["GET", "POST"])
@require_role("admin")
def line_delete(line_id):
    """GET asks for confirmation; POST deletes, unless a scheduled, sending or paused program uses it."""
    line = LINES.get_or_404(line_id)
    return LINES.delete(line, _("Fax line deleted."), url_for("chapar_fax.lines"), kind=line.kind, sender=line.sender)


@pages.route("/lines/<int:line_id>/test", methods=["POST"])
@require_role("admin")
def line_test(line_id):
    """Ask the line's transport to check the saved settings; show what it answered."""
    return LINES.test_connection(LINES.get_or_404(line_id))


@pages.route("/lines/<int:line_id>/send-test", methods=["POST"])
@require_role("admin")
def line_send_test(line_id):
    """Fax a one-page test to the number typed, outside any program."""
    line = LINES.get_or_404(line_id)
    raw = (request.form.get("number") or "").strip()
    settings = _settings()
    try:
        number = numbers.e164(raw, settings.get("default_region") or "")
    except ValueError:
        return LINES.report(line, False, [_("“%(number)s” is not a valid fax number.", number=raw)], 422)
    content = {"subject": _("Test fax"), "body": "<p>" + _("A test fax from Chapar.") + "</p>"}
    with tempfile.TemporaryDirectory(prefix="chapar-fax-test-") as folder:
        pdf, tiff = Path(folder) / "test.pdf", Path(folder) / "test.tif"
        try:
            count = render_fax(content, number, line.sender, pdf, page_size=settings.get("page_size") or "A4")
            document = FaxDocument(message_id=0, to=number, pdf_path=str(pdf), pages=count, sender=line.sender,
                                   tiff_path=image_for(pdf, tiff, line, settings))
            result = submit(line, [document])[0]
        except (FaxDocumentError, FaxImageError) as exc:
            return LINES.report(line, False, [str(exc)])
        except Exception as exc:  # noqa: BLE001 - the transport's own failure: the admin's to read
            log.info("fax line %s: test fax failed: %s", line.name, exc)
            return LINES.report(line, False, [str(exc) or type(exc).__name__])
    if result.outcome == "accepted":
        return LINES.report(line, True, [_("Accepted for %(number)s, job %(job)s.", number=number, job=result.provider_id)])
    return LINES.report(line, False, [result.error or result.outcome])


def callback_urls(line):
    """[(label, url)] of the line's callbacks, for the admin to paste into the transport; [] with
    no public address set."""
    transport_class = transport_kinds().get(line.kind)
    settings = _settings()
    return [(CALLBACK_LABELS.get(name, name), callback_url(settings, line, name))
            for name in (transport_class.callbacks if transport_class else ()) if callback_url(settings, line, name)]


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
    # The PDF came from outside and may carry scripts: the browser shows it with no script, form or
    # same-origin rights.
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
