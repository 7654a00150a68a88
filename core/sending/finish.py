"""Marking a program sent (or failed) once every one of its messages is in a final state."""
from peewee import fn

from ..events import record_event
from ..models import DELIVERED_STATUSES, PENDING_STATUSES, Message, Program, utcnow


def finish_if_done(program_id):
    """Atomically move a sending program on when nothing is pending and its launch has written every
    message; returns the new status or None."""
    pending = Message.select(Message.id).where((Message.program == program_id)
                                               & Message.status.in_(PENDING_STATUSES))
    if pending.exists():
        return None
    delivered = (Message.select().where((Message.program == program_id)
                                        & Message.status.in_(DELIVERED_STATUSES + ("bounced", "uncertain"))).exists())
    failed = Message.select().where((Message.program == program_id) & (Message.status == "failed")).exists()
    status = "failed" if failed and not delivered else "sent"
    done = (Program.update(status=status, finished_at=utcnow(), updated_at=utcnow())
            .where((Program.id == program_id) & (Program.status == "sending") & ~Program.launching
                   & ~fn.EXISTS(pending)).execute())
    if not done:
        return None
    program = Program.get_by_id(program_id)
    record_event(f"program.{status}", program=program, campaign=program.campaign_id)
    return status
