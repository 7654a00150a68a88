"""Events: things that happened, announced to every plugin through the track_event hook."""
from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass(frozen=True)
class Event:
    name: str
    actor: object = None  # a User, or None for the system or a visitor
    properties: dict = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def track(name, actor=None, **properties):
    """Announce an event to plugins. A failing plugin is logged and marked broken, never raised."""
    from .plugins import call_hook

    event = Event(name=name, actor=actor, properties=properties)
    call_hook("track_event", event=event)
    return event


def _id(value):
    return getattr(value, "id", value)


def record_event(name, contact=None, message=None, program=None, campaign=None, actor=None, **properties):
    """Store an event on a message and/or contact (for timelines and reports), then announce it.

    Pass model instances or ids. Given a message, its program, campaign and contact are filled in,
    and the receipts "delivered", "bounced" and "undelivered" (with properties error=...) move the
    message's status on.
    `properties` must be JSON-serialisable: {"url": ...} for a click, {"amount": ...} for a deal.
    """
    import json

    from .models import EventRecord, Message, Program

    if message is not None and (contact is None or program is None):
        row = message if isinstance(message, Message) else Message.get_or_none(Message.id == message)
        if row is not None:
            contact = contact if contact is not None else row.contact_id
            program = program if program is not None else row.program_id
    if program is not None and campaign is None:
        campaign = Program.select(Program.campaign).where(Program.id == _id(program)).scalar()
    if message is not None:
        from .sending.receipts import apply_receipt

        apply_receipt(_id(message), name, properties.get("error", ""))
    record = EventRecord.create(name=name, contact=_id(contact), message=_id(message), program=_id(program),
                                campaign=_id(campaign),
                                properties_json=json.dumps(properties, ensure_ascii=False, default=str))
    track(name, actor=actor, event_id=record.id, contact_id=_id(contact), message_id=_id(message),
          program_id=_id(program), campaign_id=_id(campaign), **properties)
    return record
