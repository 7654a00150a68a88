"""The print batch pages: which print programs have letters, and for one program its progress, the
merged PDF, label sheets and manifest to download, and "Mark as mailed" for the whole batch.

Downloading the merged PDF records no "printed" event: a download does not prove anything was
printed. With a CUPS printer configured, "Print now" (or the periodic pass, when a program has just
finished) sends the batch as one job, and "printed" is recorded per letter once CUPS reports the job
completed (cups_jobs.py); viewing this page asks CUPS for the job's state. Downloads are in the audit log; "mailed" is recorded per letter when a manager says the batch went out.
"""
import tempfile

from chapar import (
    EventRecord,
    Message,
    Program,
    channel_settings,
    record_audit,
    record_event,
    require_role,
)
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from .batch import (
    LABEL_LAYOUTS,
    labels_pdf,
    manifest_csv,
    merge_letters,
    program_duplex,
)
from .cups import CupsError, printer_from_settings
from .cups_jobs import RETRY_STATES, STATE_LABELS, job_record, print_batch, refresh
from .store import rendered_letters, test_letter_path

pages = Blueprint("chapar_print", __name__, url_prefix="/print")


def _program_or_404(program_id):
    program = Program.get_or_none(Program.id == program_id, Program.channel == "print")
    if program is None:
        abort(404)
    return program


def _figures(program):
    """Letters to make (messages not skipped), rendered so far, failed, and marked as mailed."""
    counts = dict(Message.select(Message.status, fn.COUNT(Message.id)).where(Message.program == program.id)
                  .group_by(Message.status).tuples())
    total = sum(count for status, count in counts.items() if status not in ("skipped", "cancelled"))
    rendered = len(rendered_letters(program.id))
    mailed = (EventRecord.select(EventRecord.message).distinct()
              .where(EventRecord.program == program.id, EventRecord.name == "mailed").count())
    return {"total": total, "rendered": rendered, "failed": counts.get("failed", 0), "mailed": mailed,
            "percent": round(100 * rendered / total) if total else 0}


@pages.get("/programs/")
@require_role("marketer")
def programs():
    """Every print program, newest first, with its progress."""
    found = list(Program.select().where(Program.channel == "print").order_by(Program.id.desc()).limit(200))
    return render_template("chapar_print/programs.html", programs=[(p, _figures(p)) for p in found])


@pages.get("/programs/<int:program_id>/")
@require_role("marketer")
def program_batch(program_id):
    program = _program_or_404(program_id)
    printer = printer_from_settings(channel_settings("print"))
    job = refresh(program.id) if printer is not None else job_record(program.id)  # the state as of now
    return render_template("chapar_print/batch.html", program=program, figures=_figures(program),
                           duplex=program_duplex(program), test_letter=test_letter_path(program.id).is_file(),
                           printer=printer, job=job, state_labels=STATE_LABELS, retry_states=RETRY_STATES)


@pages.post("/programs/<int:program_id>/print")
@require_role("manager")
def print_now(program_id):
    """Send the rendered letters to the configured CUPS printer as one job (again, for a retry)."""
    program = _program_or_404(program_id)
    try:
        record = print_batch(program, actor=current_user._get_current_object())
    except CupsError as exc:
        flash(_("Not sent to the printer: %(error)s", error=str(exc)), "error")
    else:
        flash(_("%(count)d letters sent to the printer %(queue)s as job %(job)s.", count=len(record["letters"]),
                queue=record["queue"], job=record["job_id"]), "ok")
    return redirect(url_for("chapar_print.program_batch", program_id=program.id), code=303)


@pages.get("/programs/<int:program_id>/test-letter.pdf")
@require_role("marketer")
def test_letter(program_id):
    """The latest letter the program's "Send a test" made, shown in the browser."""
    program = _program_or_404(program_id)
    path = test_letter_path(program.id)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", download_name=f"program-{program.id}-test-letter.pdf",
                     max_age=0)


@pages.get("/programs/<int:program_id>/letters.pdf")
@require_role("marketer")
def merged(program_id):
    """All letters in one PDF, written to a temporary file (not memory) and streamed from it."""
    program = _program_or_404(program_id)
    duplex = request.args.get("duplex", "1" if program_duplex(program) else "0") == "1"
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - gone when send_file closes it
    letters, page_count = merge_letters(program.id, handle, duplex=duplex)
    handle.seek(0)
    record_audit("print.merged_downloaded", current_user, f"program #{program.id}", letters=letters,
                 pages=page_count, duplex=duplex)
    return send_file(handle, mimetype="application/pdf", as_attachment=True,
                     download_name=f"program-{program.id}-letters.pdf")


@pages.get("/programs/<int:program_id>/labels.pdf")
@require_role("marketer")
def labels(program_id):
    program = _program_or_404(program_id)
    layout = request.args.get("layout", "3x7")
    if layout not in LABEL_LAYOUTS:
        abort(400, _("Unknown label layout."))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    labels_pdf(program.id, handle, layout)
    handle.seek(0)
    return send_file(handle, mimetype="application/pdf", as_attachment=True,
                     download_name=f"program-{program.id}-labels-{layout}.pdf")


@pages.get("/programs/<int:program_id>/manifest.csv")
@require_role("marketer")
def manifest(program_id):
    program = _program_or_404(program_id)
    return Response(manifest_csv(program.id), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="program-{program.id}-manifest.csv"'})


@pages.post("/programs/<int:program_id>/mailed")
@require_role("manager")
def mark_mailed(program_id):
    """Record "mailed" for every rendered letter not marked yet (pressing twice marks nothing twice)."""
    program = _program_or_404(program_id)
    done = {row[0] for row in EventRecord.select(EventRecord.message)
            .where(EventRecord.program == program.id, EventRecord.name == "mailed").tuples()}
    known = {row[0] for row in Message.select(Message.id).where(Message.program == program.id).tuples()}
    marked = 0
    for message_id, _path in rendered_letters(program.id):
        if message_id in known and message_id not in done:
            record_event("mailed", message=message_id, channel="print", actor=current_user._get_current_object())
            marked += 1
    record_audit("print.marked_mailed", current_user, f"program #{program.id}", letters=marked)
    flash(_("%(count)d letters marked as mailed.", count=marked), "ok")
    return redirect(url_for("chapar_print.program_batch", program_id=program.id), code=303)
