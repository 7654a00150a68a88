"""A print program's batch on the CUPS printer: submitting the merged PDF as one job, following the
job, and recording "printed" for every letter in it once the job completes.

The job is remembered in `print-job.json` in the program's batch folder (store.py), written
atomically: {server, queue, job_id (None when submitting failed), letters: [message ids], pages,
state, reason, submitted_at, checked_at, printed}. One file per program: a retry replaces it (the
old job is cancelled first, so a printer coming back online does not print the batch twice).
"""
import datetime
import json
import logging
import tempfile
from contextlib import contextmanager

from chapar import (
    EventRecord,
    Message,
    Program,
    channel_settings,
    get_redis,
    record_audit,
    record_event,
    utcnow,
)
from flask_babel import lazy_gettext as _l
from redis.exceptions import LockError

from .batch import merge_letters, program_duplex
from .cups import CupsError, cancel, job_status, printer_from_settings, submit
from .store import program_folder, rendered_letters, write_atomically

log = logging.getLogger(__name__)
RECORD = "print-job.json"
# A program that finished rendering this recently is printed by the periodic pass; older ones
# only by "Print now", so configuring a printer does not print every past batch.
AUTO_PRINT_WINDOW = datetime.timedelta(hours=6)
ACTIVE_STATES = frozenset({"pending", "held", "processing", "stopped", "unknown"})
RETRY_STATES = frozenset({"error", "pending", "held", "stopped", "aborted", "cancelled", "unknown"})
STATE_LABELS = {
    "pending": _l("Waiting for the printer"), "held": _l("Held at the printer"), "processing": _l("Printing"),
    "stopped": _l("Stopped"), "cancelled": _l("Cancelled"), "aborted": _l("Aborted by the printer"),
    "completed": _l("Printed"), "error": _l("Not sent to the printer"), "unknown": _l("Unknown"),
}


# The composer's page sizes as IPP media names (PWG 5101.1).
MEDIA = {"A4": "iso_a4_210x297mm", "A5": "iso_a5_148x210mm", "Letter": "na_letter_8.5x11in",
         "postcard-A6": "iso_a6_105x148mm", "postcard-US": "na_index-4x6_4x6in"}


class NothingToPrint(CupsError):
    """The program has no rendered letter yet."""


def job_record(program_id):
    """The program's print job record (a dict), or None if it was never sent to a printer."""
    path = program_folder(program_id) / RECORD
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        log.warning("print program %s: unreadable %s, ignored", program_id, RECORD)
        return None


def _save(program_id, record):
    data = json.dumps(record, default=str).encode()
    write_atomically(program_folder(program_id, create=True) / RECORD, lambda handle: handle.write(data))
    return record


@contextmanager
def _locked(program_id, wait):
    """Whether this process holds the program's printing lock (for `wait` seconds at most), held
    for the block: one submission or status check at a time, across workers and web processes."""
    lock = get_redis().lock(f"chapar-print:cups:{int(program_id)}", timeout=900, blocking=wait > 0,
                            blocking_timeout=wait or None)
    held = lock.acquire()
    try:
        yield held
    finally:
        if held:
            try:
                lock.release()
            except LockError:  # expired meanwhile
                pass


def print_batch(program, actor=None, wait=5):
    """Send the program's rendered letters to the configured printer as one job; returns the new
    record. Raises CupsError (also recorded, for the batch page) when it cannot be submitted."""
    printer = printer_from_settings(channel_settings("print"))
    if printer is None:
        raise CupsError(_l("No printer is configured (Administration → Channels → Print)."))
    with _locked(program.id, wait) as held:
        if not held:
            raise CupsError(_l("This batch is being sent to the printer already."))
        return _submit(program, printer, actor)


def job_options(program):
    """IPP job template keywords for the program's batch: the paper size when every variant uses
    the same (so the printer does not pick another and scale, which would move the address out of
    the envelope's window), no scaling, and one- or two-sided as composed."""
    options = {"print-scaling": "none", "sides": "two-sided-long-edge" if program_duplex(program) else "one-sided"}
    sizes = {variant.get("page_size") or "A4" for variant in program.variants.values()}
    if len(sizes) == 1 and sizes <= set(MEDIA):
        options["media"] = MEDIA[sizes.pop()]
    return options


def _submit(program, printer, actor):
    known = {row[0] for row in Message.select(Message.id).where(Message.program == program.id).tuples()}
    letters = [message_id for message_id, _path in rendered_letters(program.id) if message_id in known]
    if not letters:
        raise NothingToPrint(_l("No letter is rendered yet."))
    previous = job_record(program.id)
    record = {"server": printer.server, "queue": printer.queue, "job_id": None, "letters": letters, "pages": 0,
              "state": "error", "reason": "", "submitted_at": utcnow().isoformat(), "checked_at": None,
              "printed": False}
    try:
        if previous and previous.get("job_id") and previous.get("state") in ACTIVE_STATES:
            cancel(printer, previous["job_id"])  # the old job would print the batch a second time
        with tempfile.NamedTemporaryFile(dir=program_folder(program.id, create=True), suffix=".pdf.tmp") as handle:
            _count, record["pages"] = merge_letters(program.id, handle, duplex=program_duplex(program),
                                                    only=set(letters))
            handle.flush()
            record["job_id"] = submit(printer, handle.name, f"Chapar program #{program.id}: {program.name}",
                                      job_options(program))
        record["state"] = "pending"
    except CupsError as exc:
        record["reason"] = str(exc)
        _save(program.id, record)
        record_audit("print.submit_failed", actor, f"program #{program.id}", error=str(exc))
        raise
    _save(program.id, record)
    record_audit("print.submitted", actor, f"program #{program.id}", job=record["job_id"], queue=printer.queue,
                 letters=len(letters), pages=record["pages"])
    return record


def refresh(program_id, wait=0):
    """Ask the printer about the program's job, if it is still going; on completion record
    "printed" for each of its letters (once). Returns the record (None if there is none)."""
    record = job_record(program_id)
    if not record or not record.get("job_id") or record.get("state") not in ACTIVE_STATES:
        return record
    printer = printer_from_settings(channel_settings("print"))
    if printer is None or (printer.server, printer.queue) != (record["server"], record["queue"]):
        return record  # the printer was changed since: the old job is no longer followed
    with _locked(program_id, wait) as held:
        if not held:
            return record
        record = job_record(program_id) or record  # another process may have got there first
        if record.get("state") not in ACTIVE_STATES:
            return record
        try:
            status = job_status(printer, record["job_id"])
        except CupsError as exc:
            record["reason"] = str(exc)  # state unchanged: asked again on the next pass
        else:
            record.update(state=status.state, reason=status.message or ", ".join(status.reasons))
            if status.state == "completed":
                _record_printed(program_id, record)
        record["checked_at"] = utcnow().isoformat()
        return _save(program_id, record)


def _record_printed(program_id, record):
    done = {row[0] for row in EventRecord.select(EventRecord.message)
            .where(EventRecord.program == program_id, EventRecord.name == "printed").tuples()}
    for message_id in record["letters"]:
        if message_id not in done:
            record_event("printed", message=message_id, channel="print", job=record["job_id"])
    record["printed"] = True


def print_finished(program_id):
    """RQ job, queued when a print program reaches "sent": send its batch to the configured printer
    unless it has been sent already. Returns the job id, or None."""
    program = Program.get_or_none(Program.id == program_id, Program.channel == "print")
    if program is None or job_record(program.id) is not None:
        return None
    if printer_from_settings(channel_settings("print")) is None:
        return None
    try:
        return print_batch(program, wait=0)["job_id"]
    except NothingToPrint:
        return None
    except CupsError as exc:  # recorded for the batch page, where a manager can retry
        log.warning("print program %s: not sent to the printer: %s", program.id, exc)
        return None


def follow_jobs():
    """The periodic pass: follow every active job, and send programs that finished rendering
    within AUTO_PRINT_WINDOW but were never sent (their print_finished job was lost). Returns
    (followed, submitted)."""
    followed = submitted = 0
    if printer_from_settings(channel_settings("print")) is None:
        return followed, submitted
    since = utcnow() - AUTO_PRINT_WINDOW
    for program in Program.select().where(Program.channel == "print", Program.status.in_(["sending", "sent"])):
        record = job_record(program.id)
        if record is None:
            if program.status == "sent" and program.finished_at and program.finished_at >= since:
                submitted += print_finished(program.id) is not None  # the queued job was lost
        elif record.get("state") in ACTIVE_STATES:
            refresh(program.id)
            followed += 1
    return followed, submitted
