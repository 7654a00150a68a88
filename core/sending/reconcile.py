"""The reconciler: the periodic pass that makes the pipeline converge whatever died.

One worker at a time runs it (a Redis lock that expires), every CHAPAR_RECONCILE_SECONDS:
1. messages whose lease expired go back to the queue — unless they had been handed to a channel
   that cannot deduplicate, which makes them "uncertain" rather than risk a second send;
2. scheduled programs whose time has come start sending;
3. sending programs with queued messages but no job waiting for them (Redis lost its data, a
   worker died between dequeue and claim) are dispatched again;
4. programs with nothing pending are marked sent; cancelled ones drop what is still queued.
"""
import logging

from ..channels import UnknownChannel, get_channel
from ..models import Message, Program, utcnow
from ..queue import get_redis
from .dispatch import dispatch, waiting_jobs
from .finish import finish_if_done

log = logging.getLogger("chapar.reconcile")
LOCK_KEY = "chapar:reconciler"


def expire_leases(now):
    """Re-queue (or mark uncertain) messages whose worker's lease ran out; returns the count."""
    count = (Message.update(status="queued", lease_token="", lease_until=None, updated_at=now)
             .where((Message.status == "sending") & (Message.lease_until < now)).execute())
    handed = (Message.select(Message.id, Program.channel).join(Program)
              .where((Message.status == "handed") & (Message.lease_until < now)).tuples())
    by_channel = {}
    for message_id, channel_id in handed:
        by_channel.setdefault(channel_id, []).append(message_id)
    for channel_id, ids in by_channel.items():
        try:
            idempotent = get_channel(channel_id).idempotent
        except UnknownChannel:
            idempotent = False
        if idempotent:
            changes = {"status": "queued"}
        else:
            changes = {"status": "uncertain", "reason": "uncertain", "failed_at": now,
                       "error": "the worker stopped while the provider had this message; not sent again "
                                "to avoid a duplicate"}
        for start in range(0, len(ids), 500):
            count += (Message.update(lease_token="", lease_until=None, updated_at=now, **changes)
                      .where(Message.id.in_(ids[start:start + 500]) & (Message.status == "handed")
                             & (Message.lease_until < now)).execute())
    return count


def start_due_programs(now):
    from ..programs.lifecycle import start_sending

    due = Program.select().where((Program.status == "scheduled")
                                 & (Program.scheduled_at.is_null() | (Program.scheduled_at <= now)))
    return sum(1 for program in due if start_sending(program))


def redispatch_stranded():
    """Dispatch sending programs whose queued messages no job is waiting for; returns how many."""
    count = 0
    for program in Program.select().where(Program.status == "sending"):
        if finish_if_done(program.id):
            continue
        has_queued = Message.select().where((Message.program == program) & (Message.status == "queued")).exists()
        if has_queued and not waiting_jobs(program.id):
            log.info("program #%s: re-dispatching queued messages no job was waiting for", program.id)
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
    now = now or utcnow()
    return {"leases": expire_leases(now), "cancelled": cancel_leftovers(now), "started": start_due_programs(now),
            "redispatched": redispatch_stranded()}


def reconcile_if_due(interval):
    """Run a pass unless another worker ran one in the last `interval` seconds."""
    if not get_redis().set(LOCK_KEY, "1", nx=True, ex=max(1, int(interval))):
        return None
    return reconcile()
