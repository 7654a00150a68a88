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

from ..audit import record
from ..db import db, executemany, id_list
from ..events import record_event
from ..models import Message, Program, utcnow
from .audience import INSERT, snapshot_chunks
from .costs import estimate

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
    enqueue_ids(program, [i for (i,) in written.tuples()])


def complete(program, channel, actor=None, via="web"):
    """Write the snapshot and settle the launch: its size and cost, the audit record and event.
    Returns the counts written. An audience nobody in it can be sent to puts the program back to
    ready with nothing kept (program.status says so; the caller tells the user)."""
    from ..sending.finish import finish_if_done

    counts, whole = write_snapshot(program, channel)
    if whole and not counts["queued"]:
        _unlaunch(program)
        return counts
    # Cancelled part way: the size is what the chunks written before it say (a reconciler
    # completing such a launch writes nothing itself).
    size = counts["queued"] = counts["queued"] if whole else Program.get_by_id(program.id).audience_size
    cost = estimate(program, channel, recipients=size).cost
    Program.update(audience_size=size, estimated_cost=cost, launching=False,
                   updated_at=utcnow()).where(Program.id == program.id).execute()
    program.audience_size, program.estimated_cost, program.launching = size, cost, False
    record("program.launched", actor, f"program #{program.id}", name=program.name, via=via,
           queued=counts["queued"], skipped=counts["skipped"])
    record_event("program.launched", program=program, campaign=program.campaign_id, actor=actor,
                 queued=counts["queued"])
    finish_if_done(program.id)  # workers may have sent every message before the flag went down
    return counts


def _unlaunch(program):
    """Back to ready, keeping nothing: only skipped messages were written, so no worker saw any.
    A program cancelled in the meantime stays cancelled, its launch over."""
    with db.atomic():
        if (Program.update(status="ready", launching=False, launched_at=None, started_at=None, audience_size=0,
                           updated_at=utcnow())
                .where((Program.id == program.id) & Program.status.in_(LIVE)).execute()):
            Message.delete().where(Message.program == program.id).execute()
            program.status, program.launching, program.launched_at, program.started_at = "ready", False, None, None
        else:
            Program.update(launching=False).where(Program.id == program.id).execute()
            program.launching = False


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
        complete(program, channel, via="reconciler")
        done += 1
    return done
