"""Delivery receipts and bounces moving a message on, whatever channel reported them.

Called by record_event for the events that carry a delivery outcome. A receipt may arrive
before the worker has written "sent" (a fast provider); the send result then keeps the
receipt's status and only fills in the provider id, units and cost (see claims.apply_results).
"""
from ..models import Message, utcnow

# event name -> (new status, the statuses it may follow)
RECEIPTS = {
    "delivered": ("delivered", ("sending", "handed", "sent", "uncertain")),
    "bounced": ("bounced", ("sending", "handed", "sent", "delivered", "uncertain")),
    "undelivered": ("failed", ("sending", "handed", "sent", "uncertain")),
    # Paper: a printer finished the letter, then a person marked it handed to the post.
    "printed": ("printed", ("sent", "uncertain")),
    "mailed": ("mailed", ("sent", "printed", "uncertain")),
}


def apply_receipt(message_id, name, error=""):
    """Set the message's status for receipt `name`; returns True if it changed anything."""
    if name not in RECEIPTS:
        return False
    status, after = RECEIPTS[name]
    now = utcnow()
    changes = {"status": status, "updated_at": now}
    if status == "delivered":
        changes["delivered_at"] = now
    elif status in ("printed", "mailed"):
        pass  # the event records when; nothing failed
    else:
        changes.update(failed_at=now, reason=name, error=str(error or "")[:2000])
    return bool(Message.update(**changes).where((Message.id == message_id) & Message.status.in_(after)).execute())
