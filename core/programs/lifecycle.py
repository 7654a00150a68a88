"""A program's life after composing: launch, start, pause, resume and cancel.

Every transition is one guarded UPDATE (… WHERE status IN allowed), so two clicks, two schedulers
or a CLI and a browser at once make exactly one transition; the loser gets TransitionRefused.
"""
from dataclasses import dataclass, field

from ..audit import record
from ..channels import UnknownChannel, get_channel
from ..models import Message, Program, utcnow
from .content import clean_variants
from .errors import CHANNEL_NOT_INSTALLED
from .launching import complete, undo_failed_launch


class TransitionRefused(ValueError):
    """The program is not in a state that allows this; `code` is stable, the message English."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


@dataclass
class LaunchResult:
    queued: int
    skipped: dict = field(default_factory=dict)  # reason -> contacts
    starts_at: object = None  # UTC, or None when sending began at once


def _transition(program, allowed, status, **changes):
    now = utcnow()
    updated = (Program.update(status=status, updated_at=now, **changes)
               .where((Program.id == program.id) & Program.status.in_(allowed)).execute())
    if updated:
        program.status = status
        for name, value in changes.items():
            setattr(program, name, value)
    return bool(updated)


def _check_launchable(program, now):
    if program.status not in ("draft", "ready"):
        raise TransitionRefused("already_launched", "this program has already been launched")
    try:
        channel = get_channel(program.channel)
    except UnknownChannel:
        raise TransitionRefused("unknown_channel", CHANNEL_NOT_INSTALLED % {"channel": program.channel}) from None
    _clean, problems = clean_variants(channel, program.variants)
    if problems:
        raise TransitionRefused("invalid_content", "the content has mistakes; fix them before launching",
                                {"content": problems})
    if program.status == "draft":
        raise TransitionRefused("incomplete", "the program needs content and an audience before it can launch")
    if program.schedule_kind == "at" and (program.scheduled_at is None or program.scheduled_at <= now):
        raise TransitionRefused("schedule_in_past", "the scheduled time is in the past; choose a later one")
    return channel


def launch(program, actor=None, via="web"):
    """Snapshot the audience into messages and start (or schedule) sending; returns LaunchResult.

    Refused (TransitionRefused) for a launched program, bad content, a past schedule or an
    audience nobody in which may be sent to — in which case nothing is queued.
    """
    now = utcnow()
    channel = _check_launchable(program, now)
    starts_at = program.scheduled_at if program.schedule_kind == "at" else None
    # Straight to sending unless scheduled: workers take each chunk of the snapshot as it is written.
    began = ({"status": "scheduled"} if starts_at else {"status": "sending", "started_at": now})
    if not _transition(program, ("ready",), launched_at=now, launching=True, **began):
        raise TransitionRefused("already_launched", "this program has already been launched")
    try:
        counts = complete(program, channel, actor, via)
    except Exception:
        # Before any message was queued (the audience query failed, say), the launch is undone and
        # can be tried again; after, the reconciler completes it (launching.complete_stale_launches).
        undo_failed_launch(program)
        raise
    if program.status == "ready":  # nobody could be sent to: undone
        raise TransitionRefused("empty_audience", "nobody in this audience can be sent to: no one was queued",
                                {"skipped": counts["skipped"]})
    if starts_at is not None:
        _schedule_start(program, starts_at)
    return LaunchResult(counts["queued"], counts["skipped"], starts_at)


def _schedule_start(program, when):
    """Wake a worker at `when`; the reconciler starts it anyway if this job is lost."""
    from ..queue import get_queue
    from ..sending.dispatch import rq_moment

    get_queue().enqueue_at(rq_moment(when), start_program, program.id, result_ttl=0)


def start_program(program_id):
    """RQ job: start a scheduled program whose time has come."""
    program = Program.get_or_none(Program.id == program_id)
    if program is not None and program.scheduled_at is not None and program.scheduled_at > utcnow():
        return "not yet"
    return "started" if program is not None and start_sending(program) else "nothing to do"


def start_sending(program):
    """scheduled -> sending, then dispatch; False if another scheduler got there first."""
    from ..sending.dispatch import dispatch

    if not _transition(program, ("scheduled",), "sending", started_at=utcnow()):
        return False
    dispatch(program)
    return True


def pause(program, actor=None, via="web"):
    if not _transition(program, ("sending",), "paused"):
        raise TransitionRefused("not_sending", "only a program that is sending can be paused")
    record("program.paused", actor, f"program #{program.id}", name=program.name, via=via)
    return program


def resume(program, actor=None, via="web"):
    from ..sending.dispatch import dispatch
    from ..sending.finish import finish_if_done

    if not _transition(program, ("paused",), "sending"):
        raise TransitionRefused("not_paused", "only a paused program can be resumed")
    record("program.resumed", actor, f"program #{program.id}", name=program.name, via=via)
    Program.update(error="").where(Program.id == program.id).execute()
    dispatch(program)
    finish_if_done(program.id)  # paused on the last message: nothing left to send
    return program


def cancel(program, actor=None, via="web"):
    """Stop sending for good: queued messages are cancelled; ones already with the channel finish."""
    now = utcnow()
    if not _transition(program, ("scheduled", "sending", "paused"), "cancelled", finished_at=now):
        raise TransitionRefused("not_cancellable", "only a scheduled, sending or paused program can be cancelled")
    cancelled = (Message.update(status="cancelled", updated_at=now)
                 .where((Message.program == program) & (Message.status == "queued")).execute())
    record("program.cancelled", actor, f"program #{program.id}", name=program.name, via=via, cancelled=cancelled)
    return program
