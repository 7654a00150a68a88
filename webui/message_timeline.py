"""Timelines built from messages and events: one message's story (its own timestamps, the events
recorded on it and its replies) and a contact's messages and events for the contact page.

Entries are chapar.TimelineEntry items, so both pages share webui/contacts/_timeline.html.
"""
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from peewee import JOIN

from chapar import TimelineEntry
from chapar.channels import UnknownChannel, channels, get_channel
from chapar.models import EventRecord, InboundMessage, Message, Program
from chapar.programs.labels import EVENT_LABELS, MESSAGE_STATUS_LABELS, SKIP_REASON_LABELS

CONTACT_LIMIT = 200  # the newest messages, and the newest events, shown on a contact's page
TEXT_LIMIT = 500  # characters of a reply shown in a timeline
# Events a message's own timestamps already show.
SHOWN_BY_MESSAGE = {"delivered": "delivered_at"}
# How a contact's message reads, by its status.
MESSAGE_TITLES = {
    "skipped": _l("Not sent «%(program)s» by %(channel)s"),
    "queued": _l("Sending «%(program)s» by %(channel)s"), "sending": _l("Sending «%(program)s» by %(channel)s"),
    "handed": _l("Sending «%(program)s» by %(channel)s"),
    "failed": _l("Could not send «%(program)s» by %(channel)s"),
    "bounced": _l("Could not send «%(program)s» by %(channel)s"),
    "cancelled": _l("Cancelled «%(program)s» by %(channel)s"),
}
SENT_TITLE = _l("Sent «%(program)s» by %(channel)s")


def _message_url(message_id):
    if not message_id or "webui.message_show" not in current_app.view_functions:
        return ""
    return url_for("webui.message_show", message_id=message_id)


def _event_label(name):
    return EVENT_LABELS.get(name, name)


def _event_details(event):
    properties = event.properties
    details = []
    if properties.get("url"):
        details.append((_l("Link"), str(properties["url"])))
    if properties.get("reason"):
        details.append((_l("Reason"), str(properties["reason"])))
    return tuple(details)


def _inbound_entry(reply, program_name=None, link=True):
    title = (_l("Reply from %(sender)s to «%(program)s»", sender=reply.sender, program=program_name)
             if program_name else _l("Reply from %(sender)s", sender=reply.sender))
    details = ((_l("Subject"), reply.subject),) if reply.subject else ()
    if reply.action:
        details += ((_l("Action"), reply.action),)
    return TimelineEntry(when=reply.received_at, title=title, kind="reply", details=details,
                         text=(reply.body or "")[:TEXT_LIMIT], href=_message_url(reply.message_id) if link else "")


def message_entries(message):
    """Everything that happened to one message, oldest first."""
    entries = []
    if message.status == "skipped":
        entries.append(TimelineEntry(when=message.queued_at, kind="skipped", title=_l("Skipped"),
                                     details=((_l("Reason"), SKIP_REASON_LABELS.get(message.reason, message.reason)),)))
    else:
        entries.append(TimelineEntry(when=message.queued_at, kind="queued", title=_l("Queued")))
    if message.sent_at:
        details = ((_l("Provider id"), message.provider_id),) if message.provider_id else ()
        try:
            sent = get_channel(message.program.channel).sent_label or _l("Sent")  # "Rendered" for a letter
        except UnknownChannel:
            sent = _l("Sent")
        entries.append(TimelineEntry(when=message.sent_at, kind="sent", title=sent, details=details))
    if message.delivered_at:
        entries.append(TimelineEntry(when=message.delivered_at, kind="delivered", title=_l("Delivered")))
    if message.failed_at:
        entries.append(TimelineEntry(when=message.failed_at, kind="failed",
                                     title=MESSAGE_STATUS_LABELS.get(message.status, _l("Failed")),
                                     text=message.error))
    replies = list(InboundMessage.select().where(InboundMessage.message == message.id)
                   .order_by(InboundMessage.received_at))
    reply_ids = {reply.id for reply in replies}
    for event in EventRecord.select().where(EventRecord.message == message.id).order_by(EventRecord.created_at):
        if getattr(message, SHOWN_BY_MESSAGE.get(event.name, ""), None) or (
                event.name == "replied" and event.properties.get("inbound_id") in reply_ids):
            continue  # already on the timeline from the message or its reply
        entries.append(TimelineEntry(when=event.created_at, kind=event.name, title=_event_label(event.name),
                                     details=_event_details(event)))
    entries.extend(_inbound_entry(reply, link=False) for reply in replies)
    return sorted(entries, key=lambda entry: entry.sort_key)


def _channel_labels():
    return {identifier: channel.label for identifier, channel in channels().items()}


def _message_entry(message, program_name, channel_label):
    title = MESSAGE_TITLES.get(message.status, SENT_TITLE)
    details = [(_l("Status"), MESSAGE_STATUS_LABELS.get(message.status, message.status))]
    if message.reason:
        details.append((_l("Reason"), SKIP_REASON_LABELS.get(message.reason, message.reason)))
    return TimelineEntry(when=message.sent_at or message.failed_at or message.queued_at, kind="message",
                         title=title % {"program": program_name, "channel": channel_label},
                         details=tuple(details), text=message.error, href=_message_url(message.id))


def contact_entries(contact, limit=CONTACT_LIMIT):
    """The contact's newest messages (one entry each) and events (opened, clicked, replied…), newest first."""
    labels = _channel_labels()
    messages = (Message.select(Message, Program.id, Program.name, Program.channel).join(Program)
                .where(Message.contact == contact.id).order_by(Message.queued_at.desc(), Message.id.desc())
                .limit(limit))
    entries = [_message_entry(m, m.program.name, labels.get(m.program.channel, m.program.channel)) for m in messages]
    replies = list(InboundMessage.select(InboundMessage, Program.id, Program.name).join(Program, JOIN.LEFT_OUTER)
                   .where(InboundMessage.contact == contact.id)
                   .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(limit))
    entries.extend(_inbound_entry(r, r.program.name if r.program_id else None) for r in replies)
    reply_ids = {reply.id for reply in replies}
    events = (EventRecord.select(EventRecord, Program.id, Program.name).join(Program, JOIN.LEFT_OUTER)
              .where(EventRecord.contact == contact.id)
              .order_by(EventRecord.created_at.desc(), EventRecord.id.desc()).limit(limit))
    for event in events:
        if event.name == "replied" and event.properties.get("inbound_id") in reply_ids:
            continue  # the reply itself is on the timeline, with its text
        program = event.program.name if event.program_id else ""
        title = (_l("%(event)s «%(program)s»", event=_event_label(event.name), program=program) if program
                 else _event_label(event.name))
        entries.append(TimelineEntry(when=event.created_at, kind=event.name, title=title,
                                     details=_event_details(event), href=_message_url(event.message_id)))
    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    return entries[:limit]
