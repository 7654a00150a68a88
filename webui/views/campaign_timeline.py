"""A campaign's timeline: what happened to it and its programs, newest first.

Two sources: the events recorded on the campaign itself (a program launched, sent or failed — not
the per-message ones, which belong to each program's own pages), and the audit log entries about
the campaign and its programs (who created, edited, paused or cancelled what).
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from chapar.models import AuditLog, EventRecord, User
from chapar.programs.labels import EVENT_LABELS

LIMIT = 50
AUDIT_LABELS = {
    "campaign.created": _l("Campaign created"), "campaign.updated": _l("Campaign edited"),
    "program.created": _l("Program created"), "program.updated": _l("Program edited"),
    "program.paused": _l("Program paused"), "program.resumed": _l("Program resumed"),
    "program.cancelled": _l("Program cancelled"), "program.deleted": _l("Program deleted"),
}
# The launch is both audited and recorded as an event; the event is the one shown.
SHOWN_AS_EVENTS = {"program.launched"}


@dataclass(frozen=True)
class Entry:
    when: datetime  # naive UTC
    kind: str  # the event name or audit action, for a CSS hook
    label: str
    program: object = None  # a ProgramRow, when the entry is about one of its programs
    actor: str = ""
    queued: int | None = None


def _program_events(campaign, rows_by_id):
    query = (EventRecord.select().where((EventRecord.campaign == campaign) & EventRecord.message.is_null())
             .order_by(EventRecord.created_at.desc(), EventRecord.id.desc()).limit(LIMIT))
    return [Entry(event.created_at, event.name, EVENT_LABELS.get(event.name, event.name),
                  rows_by_id.get(event.program_id), queued=event.properties.get("queued"))
            for event in query]


def _audit_entries(campaign, rows_by_id):
    targets = {f"campaign #{campaign.id}": None, **{f"program #{pid}": row for pid, row in rows_by_id.items()}}
    query = (AuditLog.select(AuditLog, User).join(User, JOIN.LEFT_OUTER, on=(AuditLog.actor == User.id))
             .where(AuditLog.target.in_(list(targets)) & AuditLog.action.not_in(list(SHOWN_AS_EVENTS)))
             .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(LIMIT))
    return [Entry(entry.created_at, entry.action, AUDIT_LABELS.get(entry.action, entry.action),
                  targets.get(entry.target), actor=(entry.actor.name or entry.actor.email) if entry.actor else "")
            for entry in query]


def timeline(campaign, rows):
    """The newest LIMIT entries about `campaign`; `rows` are its ProgramRows (names and links)."""
    rows_by_id = {row.program.id: row for row in rows}
    entries = _program_events(campaign, rows_by_id) + _audit_entries(campaign, rows_by_id)
    return sorted(entries, key=lambda entry: entry.when, reverse=True)[:LIMIT]
