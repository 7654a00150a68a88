"""What happened to submitted faxes: transports' reports (polled or called back) mapped onto the
message, and faxes that met a busy line or no answer submitted again with backoff.

A line reports only on the jobs it submitted (FaxJob.line): holding one line's secret must not let
anyone mark another line's (or another channel's) messages delivered or failed. Reports about jobs
we do not know are logged and ignored.

Retries: a busy or unanswered fax is submitted again after retry_minutes × 2^(try-1) while the
line's max_tries allow; after the last try the message fails "busy" / "no answer". Due retries are
claimed one by one (state retry → resubmitted in one UPDATE), so two workers never fax twice.
"""
import datetime
import logging
import os

from chapar import Message, Program, channel_settings, record_event, utcnow
from peewee import fn

from .lines import FaxJob, FaxLine
from .outgoing import image_for, submit
from .store import sent_paths
from .transports.base import OUTCOMES, FaxDocument, FaxStatus, TransportError
from .transports.registry import transport_for, transport_kinds

log = logging.getLogger(__name__)
DEFAULT_POLL_SECONDS = 30
RETRY_OUTCOMES = {"busy": "busy", "no_answer": "no answer"}
# Longer than any submission takes (the HTTP transport's deadline is at most 15 minutes).
STRANDED_AFTER = datetime.timedelta(hours=1)
STRANDED_REASON = "uncertain: the worker stopped while submitting it again; not sent a second time"
# A retry the line cannot take (service down, throttled) is put off again and again; after this
# long the message fails with the last reason.
GIVE_UP_AFTER = datetime.timedelta(hours=24)


def poll_seconds():
    """CHAPAR_FAX_POLL_SECONDS (environment): seconds between two polls of the lines (30)."""
    try:
        return max(1, int(os.environ.get("CHAPAR_FAX_POLL_SECONDS", DEFAULT_POLL_SECONDS)))
    except ValueError:
        log.warning("CHAPAR_FAX_POLL_SECONDS is not a number of seconds; polling every %s", DEFAULT_POLL_SECONDS)
        return DEFAULT_POLL_SECONDS


def retry_delay(line, attempt):
    """How long after try `attempt` the next one goes out."""
    return datetime.timedelta(minutes=max(0, line.retry_minutes or 0) * 2 ** max(0, attempt - 1))


def report(line, statuses):
    """Apply FaxStatus reports from `line`'s transport; returns the FaxJobs they were about."""
    touched = []
    for status in statuses:
        if not isinstance(status, FaxStatus) or status.outcome not in OUTCOMES:
            log.error("fax line %s: %r is not a FaxStatus with a known outcome; ignored", line.name, status)
            continue
        job = (FaxJob.select().where((FaxJob.line == line) & (FaxJob.provider_id == str(status.provider_id)[:200]))
               .order_by(FaxJob.id.desc()).first())
        if job is None:
            log.warning("fax line %s: report %s for unknown job %r ignored", line.name, status.outcome,
                        status.provider_id)
            continue
        if job.state != "pending" or status.outcome == "pending":
            continue  # already final (a report sent twice), or nothing new
        if _apply(line, job, status):
            touched.append(job)
    return touched


def _apply(line, job, status):
    """Move a pending job on; False when another report (a poll and a webhook at once, two web
    processes) moved it first: the pending state is claimed in one UPDATE, so one report wins."""
    pages = status.pages if status.pages is not None else job.pages
    properties = {"channel": "fax", "line": line.name, "attempt": job.attempt}
    if status.outcome == "delivered":
        state, next_try_at = "delivered", None
    elif status.outcome in RETRY_OUTCOMES and job.attempt < max(1, line.max_tries or 1):
        state, next_try_at = "retry", utcnow() + retry_delay(line, job.attempt)
    else:
        state, next_try_at = "failed", None
    claimed = (FaxJob.update(state=state, next_try_at=next_try_at, pages=pages, reason=(status.reason or "")[:500],
                             updated_at=utcnow())
               .where((FaxJob.id == job.id) & (FaxJob.state == "pending")).execute())
    if not claimed:
        return False
    job.state, job.pages = state, pages
    if state == "delivered":
        record_event("delivered", message=job.message_id, pages=pages, **properties)
    elif state == "failed":
        if status.outcome in RETRY_OUTCOMES:
            error = f"{RETRY_OUTCOMES[status.outcome]} after {job.attempt} tries"
        else:
            error = status.reason or status.outcome
        record_event("undelivered", message=job.message_id, error=error, **properties)
    return True


def resubmit_due(now=None):
    """Submit again every fax whose retry is due; returns how many went to a transport."""
    now = now or utcnow()
    due = list(FaxJob.select().where((FaxJob.state == "retry") & (FaxJob.next_try_at <= now)).order_by(FaxJob.id))
    settings = channel_settings("fax")
    submitted = 0
    for job in due:
        claimed = (FaxJob.update(state="resubmitted", updated_at=utcnow())
                   .where((FaxJob.id == job.id) & (FaxJob.state == "retry")).execute())
        if claimed:
            submitted += _resubmit(job, settings, now)
    return submitted


def _put_off(job, message, line, reason, wait, now):
    """Try again after `wait`, unless the retry has been put off for GIVE_UP_AFTER already: a
    service that stays down must not keep a message (and its program) unfinished for ever."""
    if now - job.created_at > GIVE_UP_AFTER:
        hours = int(GIVE_UP_AFTER.total_seconds() // 3600)
        error = f"not sent again: the line could not take the retry for {hours} hours ({reason})"
        _set(job, "failed", error)
        record_event("undelivered", message=message, channel="fax", line=line.name, error=error[:500])
        return
    _set(job, "retry", reason, next_try_at=utcnow() + wait)


def _resubmit(job, settings, now):
    line = FaxLine.get_or_none(FaxLine.id == job.line_id)
    message = Message.get_or_none(Message.id == job.message_id)
    pdf, tiff = sent_paths(message.program_id, message.id) if message is not None else (None, None)
    if line is None or message is None or not pdf.exists():
        if message is not None:
            record_event("undelivered", message=message, channel="fax", error="retry impossible: line or fax gone")
        _set(job, "failed", "retry impossible: line or fax gone")
        return 0
    status = Program.select(Program.status).where(Program.id == message.program_id).scalar()
    if status == "paused":  # the marketer stopped the program: its retries wait with it
        _set(job, "retry", "program paused", next_try_at=utcnow() + datetime.timedelta(seconds=poll_seconds()))
        return 0
    if status == "cancelled":
        _set(job, "failed", "program cancelled")
        record_event("undelivered", message=message, channel="fax", error="not tried again: program cancelled")
        return 0
    try:
        document = FaxDocument(message_id=message.id, to=message.address, pdf_path=str(pdf),
                               tiff_path=image_for(pdf, tiff, line, settings), pages=job.pages or 1,
                               sender=line.sender, attempt=job.attempt + 1)
        result = submit(line, [document])[0]
    except (TransportError, LookupError, OSError) as exc:
        log.warning("fax line %s: retry of message %s put off: %s", line.name, message.id, exc)
        _put_off(job, message, line, str(exc), retry_delay(line, 1), now)
        return 0
    if result.outcome == "transient":
        wait = datetime.timedelta(seconds=result.retry_after) if result.retry_after else retry_delay(line, 1)
        _put_off(job, message, line, result.error, wait, now)
    elif result.outcome in ("permanent", "uncertain"):
        _set(job, "failed", result.error)
        record_event("undelivered", message=message, channel="fax", line=line.name, error=result.error)
    return 1


def _set(job, state, reason, next_try_at=None):
    FaxJob.update(state=state, reason=(reason or "")[:500], next_try_at=next_try_at, updated_at=utcnow()).where(
        FaxJob.id == job.id).execute()


def polled_lines():
    """Lines whose transport kind may report only when asked (FaxTransport.polls; an instance may
    say otherwise for its settings)."""
    kinds = [kind for kind, cls in transport_kinds().items() if cls.polls]
    return list(FaxLine.select().where(FaxLine.kind.in_(kinds or [""])))


def poll_lines():
    """Ask each polled line about its pending jobs and apply what it says; returns reports applied."""
    applied = 0
    for line in polled_lines():
        pending = [job.provider_id for job in FaxJob.select(FaxJob.provider_id)
                   .where((FaxJob.line == line) & (FaxJob.state == "pending"))]
        if not pending:
            continue
        try:
            transport = transport_for(line)
            if not transport.polls:  # a kind that may poll, configured to be called back instead
                continue
            statuses = transport.poll(pending)
        except Exception:  # one unreachable line must not keep the others from being polled
            log.exception("fax line %s: poll failed", line.name)
            continue
        applied += len(report(line, statuses or []))
    return applied


def settle_stranded(now=None):
    """Retries claimed by a worker that stopped before it recorded what became of them (state
    resubmitted, no newer job, untouched for STRANDED_AFTER): the fax may or may not have gone
    out, so it is not sent again; the message fails saying so. Returns how many."""
    cutoff = (now or utcnow()) - STRANDED_AFTER
    newer = FaxJob.alias()
    stranded = list(FaxJob.select().where(
        (FaxJob.state == "resubmitted") & (FaxJob.updated_at < cutoff)
        & ~fn.EXISTS(newer.select().where((newer.message == FaxJob.message) & (newer.id > FaxJob.id)))))
    settled = 0
    for job in stranded:
        claimed = (FaxJob.update(state="failed", reason=STRANDED_REASON, updated_at=utcnow())
                   .where((FaxJob.id == job.id) & (FaxJob.state == "resubmitted")).execute())
        if claimed:
            record_event("undelivered", message=job.message_id, channel="fax", error=STRANDED_REASON)
            settled += 1
    return settled


def tick():
    """RQ job (the periodic hook enqueues it): poll the lines, submit the retries that are due, and
    settle retries a stopped worker left behind."""
    return {"reports": poll_lines(), "resubmitted": resubmit_due(), "stranded": settle_stranded()}

