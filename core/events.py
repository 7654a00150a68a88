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
