"""The reconciler: the periodic pass that makes the pipeline converge whatever died.

One worker at a time runs it (a Redis lock that expires), every CHAPAR_RECONCILE_SECONDS:
1. messages whose lease expired go back to the queue — unless they had been handed to a channel
   that cannot deduplicate, which makes them "uncertain" rather than risk a second send;
2. scheduled programs whose time has come start sending;
3. sending programs with queued messages but no job waiting for them (Redis lost its data, a
   worker died between dequeue and claim) are dispatched again;
4. programs with nothing pending are marked sent; cancelled ones drop what is still queued;
5. launches cut short before their whole audience was written are completed.
"""
import logging

from flask import current_app

from ..channels import UnknownChannel, get_channel
from ..models import Message, Program, utcnow
from ..queue import get_redis
from .dispatch import dispatch, job_states
from .finish import finish_if_done

log = logging.getLogger("chapar.reconcile")
LOCK_KEY = "chapar:reconciler"


def expire_leases(now, max_attempts):
    """Re-queue (or fail, or mark uncertain) messages whose worker's lease ran out; returns the count.

    A message whose attempts are used up fails instead: one that kills every worker trying it
    must not go round for ever.
    """
    expired = Message.lease_until < now
    gave_up = {"status": "failed", "reason": "gave_up", "failed_at": now, "lease_token": "", "lease_until": None,
               "error": f"gave up after {max_attempts} attempts: the worker sending it stopped each time"}
    requeue = {"status": "queued", "lease_token": "", "lease_until": None}
    count = (Message.update(updated_at=now, **gave_up)
             .where((Message.status.in_(("sending", "handed"))) & expired & (Message.attempts >= max_attempts))
             .execute())
    count += Message.update(updated_at=now, **requeue).where((Message.status == "sending") & expired).execute()
    handed = (Message.select(Message.id, Program.channel).join(Program)
              .where((Message.status == "handed") & expired).tuples())
    by_channel = {}
    for message_id, channel_id in handed:
        by_channel.setdefault(channel_id, []).append(message_id)
    for channel_id, ids in by_channel.items():
        try:
            idempotent = get_channel(channel_id).idempotent
        except UnknownChannel:
            idempotent = False
        # Uncertain keeps its token: if the slow worker was alive after all, its result still lands.
        changes = requeue if idempotent else {
            "status": "uncertain", "reason": "uncertain", "failed_at": now, "lease_until": None,
            "error": "the worker stopped while the provider had this message; not sent again to avoid a duplicate"}
        for start in range(0, len(ids), 500):
            count += (Message.update(updated_at=now, **changes)
                      .where(Message.id.in_(ids[start:start + 500]) & (Message.status == "handed") & expired)
                      .execute())
    return count


def start_due_programs(now):
    from ..programs.lifecycle import start_sending

    due = Program.select().where((Program.status == "scheduled")
                                 & (Program.scheduled_at.is_null() | (Program.scheduled_at <= now)))
    return sum(1 for program in due if start_sending(program))


def redispatch_stranded(now):
    """Dispatch sending programs whose work no job covers; returns how many.

    Judged from the database: messages that are queued and due while no job of the program is
    waiting in a queue (Redis lost its data, a worker died between taking a job and claiming).
    Scheduled retry jobs do not count for due messages — a lost or late one must not hold them.
    Messages waiting for a later retry are dispatched only when the program has no job at all.
    """
    count = 0
    for program in Program.select().where(Program.status == "sending"):
        if finish_if_done(program.id):
            continue
        queued = (Message.program == program) & (Message.status == "queued")
        due = queued & (Message.next_attempt_at.is_null() | (Message.next_attempt_at <= now))
        jobs = job_states(program.id)
        if Message.select().where(due).exists() and not jobs["queued"]:
            log.info("program #%s: dispatching queued messages no job was waiting for", program.id)
            dispatch(program, due_only=bool(jobs["scheduled"]))
            count += 1
        elif not any(jobs.values()) and Message.select().where(queued).exists():
            dispatch(program)
            count += 1
    return count


def cancel_leftovers(now):
    return (Message.update(status="cancelled", updated_at=now, lease_token="", lease_until=None)
            .where((Message.status == "queued")
                   & Message.program.in_(Program.select(Program.id).where(Program.status == "cancelled")))
            .execute())


def reconcile(now=None):
    """One pass; returns what it did, for logs and tests."""
    from ..programs.launching import complete_stale_launches  # programs import sending: not at the top

    now = now or utcnow()
    max_attempts = current_app.config["CHAPAR"].SEND_MAX_ATTEMPTS
    return {"leases": expire_leases(now, max_attempts), "cancelled": cancel_leftovers(now),
            "started": start_due_programs(now), "redispatched": redispatch_stranded(now),
            "launches": complete_stale_launches(now)}


def reconcile_if_due(interval):
    """Run a pass, then the plugins' `periodic` hooks, unless another worker ran them in the last
    `interval` seconds."""
    from ..plugins import call_hook

    if not get_redis().set(LOCK_KEY, "1", nx=True, ex=max(1, int(interval))):
        return None
    done = reconcile()
    call_hook("periodic")  # a failing plugin is logged and marked broken, never raised
    return done
