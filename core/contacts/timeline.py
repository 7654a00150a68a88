"""A contact's timeline: everything that happened to them, newest first.

The core contributes the contact's creation, every consent change (from ConsentRecord, with the
actor, method, detail and wording) and merges (from the audit log); plugins add their own
entries (messages, replies, form submissions…) through the `contact_timeline(contact)` hook.
"""
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from ..models import AuditLog, ConsentRecord, User
from .labels import METHOD_LABELS, SOURCE_LABELS, STATUS_LABELS, channel_label, label

# The audit action and target a merge is recorded under (see the web UI's merge view).
MERGE_ACTION = "contact.merged"


def merge_target(contact_id):
    return f"contact #{contact_id}"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a contact, as its page shows it.

    Text is escaped on the page; pass a markupsafe.Markup to keep markup of your own (and
    escape what you put in it). `href` is shown only when it is a site path or an http(s) URL.
    """

    when: datetime  # naive UTC like every stored timestamp; aware values are converted
    title: str  # one line, in the reader's language: "Email: Subscribed", "Replied to “Spring sale”"
    kind: str = "event"  # what it is ("consent", "message", "reply", "submission"…), for its marker
    actor: str = ""  # who did it: a user's name; "" for the contact themselves or the system
    details: tuple = ()  # (label, value) pairs shown under the title
    text: str = ""  # longer text shown as a quote: the wording a person was shown, a reply's body
    href: str = ""  # where to read more

    @property
    def sort_key(self):
        when = self.when
        if isinstance(when, datetime) and when.tzinfo is not None:
            when = when.astimezone(timezone.utc).replace(tzinfo=None)
        return when if isinstance(when, datetime) else datetime.min

    @property
    def safe_href(self):
        href = str(self.href or "")
        if (href.startswith("/") and not href.startswith("//")) or href.startswith(("https://", "http://")):
            return href
        return ""


def _user_name(user):
    return (user.name or user.email) if user is not None else ""


def consent_entries(contact):
    """One entry per consent change (and do-not-contact change) of `contact`."""
    records = (ConsentRecord.select(ConsentRecord, User).join(User, JOIN.LEFT_OUTER)
               .where(ConsentRecord.contact == contact.id)
               .order_by(ConsentRecord.created_at.desc(), ConsentRecord.id.desc()))
    entries = []
    for record in records:
        details = [(_l("How"), label(METHOD_LABELS, record.method))]
        if record.previous_status:
            details.append((_l("Before"), label(STATUS_LABELS, record.previous_status)))
        if record.detail:
            details.append((_l("Detail"), record.detail))
        if record.ip:
            details.append((_l("IP address"), record.ip))
        if record.user_agent:
            details.append((_l("Browser"), record.user_agent))
        title = _l("%(channel)s: %(status)s", channel=channel_label(record.channel),
                   status=label(STATUS_LABELS, record.status))
        entries.append(TimelineEntry(when=record.created_at, title=title, kind="consent",
                                     actor=_user_name(record.actor), details=tuple(details), text=record.wording))
    return entries


def merge_entries(contact):
    """The merges that folded other records into `contact`, from the audit log."""
    rows = (AuditLog.select(AuditLog, User).join(User, JOIN.LEFT_OUTER)
            .where((AuditLog.action == MERGE_ACTION) & (AuditLog.target == merge_target(contact.id)))
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()))
    entries = []
    for row in rows:
        merged = json.loads(row.details or "{}")
        details = tuple((_l("Merged record"), str(merged[key])) for key in ("merged_name", "merged_email",
                                                                             "merged_mobile") if merged.get(key))
        entries.append(TimelineEntry(when=row.created_at, kind="merge", actor=_user_name(row.actor),
                                     title=_l("Merged with contact #%(id)s", id=merged.get("merged_id", "?")),
                                     details=details))
    return entries


def created_entry(contact):
    return TimelineEntry(when=contact.created_at, title=_l("Added to Chapar"), kind="created",
                         details=((_l("Source"), label(SOURCE_LABELS, contact.source)),))


def timeline_of(contact):
    """Every entry for `contact`, the core's and the plugins', newest first.

    A plugin that raises or returns the wrong shape is skipped (and shown as broken on the
    Plugins page); the rest of the timeline still appears.
    """
    from ..plugins import call_hook_flat  # chapar.plugins imports TimelineEntry from here

    # Each source lists newest first and the sort is stable, so entries of the same instant keep
    # that order; the creation goes last so it stays at the bottom when a change shares its time.
    entries = [*consent_entries(contact), *merge_entries(contact)]
    entries.extend(call_hook_flat("contact_timeline", contact=contact))
    entries.append(created_entry(contact))
    return sorted(entries, key=lambda entry: entry.sort_key, reverse=True)
