"""Writing a launch's audience snapshot a chunk at a time, each chunk committed and queued at once,
so workers send the first messages while the rest of the audience is still being written.

While it writes, the program's `launching` flag is set and the program is never finished (its
last messages may simply not be written yet). A launch cut short (its web process killed, the
database gone for a moment) leaves the flag set; the reconciler completes it once it has written
nothing for STALE_AFTER — safe because UNIQUE(program, contact) makes a chunk written twice add
nothing, and a message queued twice is claimed once.
"""
import logging
from datetime import timedelta

from peewee import fn
from redis.exceptions import RedisError

from ..audit import record
from ..db import db, executemany, id_list
from ..events import record_event
from ..models import Message, Program, utcnow
from .audience import INSERT, snapshot_chunks
from .costs import estimate
from .errors import LAUNCH_INCOMPLETE

log = logging.getLogger("chapar.launch")
LIVE = ("scheduled", "sending", "paused")  # a launch may write into these; a cancelled one gets no more
STALE_AFTER = timedelta(minutes=5)


def write_snapshot(program, channel):
    """Write the audience snapshot chunk by chunk; returns what was written, as
    {"queued": n, "skipped": {reason: n}}, and whether it got to the end (False when the program
    was cancelled meanwhile: it gets no more messages).

    Each chunk is its own transaction: SQLite has one writer at a time, and workers claiming the
    first chunks must not wait for the last.
    """
    counts = {"queued": 0, "skipped": {}}
    if program.status not in LIVE:  # cancelled before the reconciler came: not even the audience is read
        return counts, False
    for chunk in snapshot_chunks(program, channel):
        with db.atomic():
            # Guarded like every transition; it also tells the reconciler this launch is alive.
            alive = (Program.update(audience_size=counts["queued"] + len(chunk.queued), updated_at=utcnow())
                     .where((Program.id == program.id) & Program.status.in_(LIVE)).execute())
            if alive:
                executemany(INSERT, chunk.rows)
        if not alive:
            return counts, False
        counts["queued"] += len(chunk.queued)
        for reason, n in chunk.skipped.items():
            counts["skipped"][reason] = counts["skipped"].get(reason, 0) + n
        _queue_written(program, chunk.queued)
    return counts, True


def _queue_written(program, contact_ids):
    """Put a written chunk's queued messages on the queue if the program is sending now.

    Read after the chunk is committed: a scheduled or paused program is dispatched whole when it
    starts or resumes, and that dispatch reads the database after its own transition — so either
    it sees this chunk, or this read sees "sending". Both may happen; a message queued twice is
    claimed once.
    """
    from ..sending.dispatch import enqueue_ids

    if not contact_ids or Program.select(Program.status).where(Program.id == program.id).scalar() != "sending":
        return
    written = (Message.select(Message.id).where((Message.program == program.id) & (Message.status == "queued")
                                                & Message.contact.in_(id_list(contact_ids))).order_by(Message.id))
    try:
        enqueue_ids(program, [i for (i,) in written.tuples()])
    except RedisError:  # the database holds them; the reconciler dispatches what no job covers
        log.warning("program #%s: Redis unreachable; written messages wait for the reconciler", program.id)


def complete(program, channel, actor=None, via="web", resumed=False):
    """Write the snapshot and settle the launch: its size and cost, the audit record and event.
    Returns the counts. An audience nobody in it can be sent to puts the program back to ready with
    nothing kept (program.status says so; the caller tells the user). `resumed`: completing a launch
    cut short, whose earlier chunks were written (and maybe sent) before consent could change."""
    from ..sending.finish import finish_if_done

    counts, whole = write_snapshot(program, channel)
    if whole and not counts["queued"] and _unlaunch(program):
        return counts
    if resumed or not whole:  # what this pass wrote is not all there is: count what the launch queued
        counts["queued"] = (Message.select().where((Message.program == program.id) & (Message.status != "skipped"))
                            .count())
    size = counts["queued"]
    cost = estimate(program, channel, recipients=size).cost
    settled = {"error": ""} if resumed else {}  # an earlier attempt's failure, now mended
    Program.update(audience_size=size, estimated_cost=cost, launching=False, updated_at=utcnow(),
                   **settled).where(Program.id == program.id).execute()
    program.audience_size, program.estimated_cost, program.launching = size, cost, False
    record("program.launched", actor, f"program #{program.id}", name=program.name, via=via,
           queued=counts["queued"], skipped=counts["skipped"])
    record_event("program.launched", program=program, campaign=program.campaign_id, actor=actor,
                 queued=counts["queued"])
    finish_if_done(program.id)  # workers may have sent every message before the flag went down
    program.status = Program.select(Program.status).where(Program.id == program.id).scalar()  # paused, cancelled…
    return counts


def _unlaunch(program):
    """Back to ready, keeping nothing, when the launch queued nobody; returns whether it did.

    Never once a message was queued (a launch completed by the reconciler after its first chunks
    went out, whose contacts have since unsubscribed): their history stays.
    """
    queued = Message.select(Message.id).where((Message.program == program.id) & (Message.status != "skipped"))
    with db.atomic():
        undone = (Program.update(status="ready", launching=False, launched_at=None, started_at=None, audience_size=0,
                                 updated_at=utcnow())
                  .where((Program.id == program.id) & Program.status.in_(LIVE) & ~fn.EXISTS(queued)).execute())
        if undone:
            Message.delete().where(Message.program == program.id).execute()
    if undone:
        program.status, program.launching, program.launched_at, program.started_at = "ready", False, None, None
    return bool(undone)


def undo_failed_launch(program):
    """After launch() failed: back to ready if nothing was queued (see _unlaunch). Never raises, so
    the launch's own error is the one reported (the database may be what failed)."""
    try:
        _unlaunch(program)
    except Exception:  # noqa: BLE001 - the reconciler completes or undoes it later
        log.exception("program #%s: the failed launch could not be undone", program.id)


def complete_stale_launches(now):
    """Complete launches that stopped writing STALE_AFTER ago; returns how many.

    One reconciler takes each: the guarded touch of updated_at makes the others' stale test fail.
    """
    from ..channels import UnknownChannel, get_channel

    done = 0
    stale = now - STALE_AFTER
    for program in Program.select().where(Program.launching & (Program.updated_at < stale)):
        try:
            channel = get_channel(program.channel)
        except UnknownChannel:
            continue  # the plugin is gone; the launch completes once it is back
        if not (Program.update(updated_at=utcnow())
                .where((Program.id == program.id) & Program.launching & (Program.updated_at < stale)).execute()):
            continue
        log.warning("program #%s: completing a launch that was cut short", program.id)
        try:
            complete(program, channel, via="reconciler", resumed=True)
        except Exception as exc:  # noqa: BLE001 - one bad program must not stop the pass; retried later
            log.exception("program #%s: the launch could not be completed", program.id)
            Program.update(error=(LAUNCH_INCOMPLETE % {"detail": exc})[:2000]).where(
                Program.id == program.id).execute()
            continue
        done += 1
    return done
