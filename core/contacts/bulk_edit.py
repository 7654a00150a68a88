"""Changing many contacts at once: the rows a user ticked, or every contact a filter matches.

`selection` is always a query selecting Contact.id (e.g. `Contact.select(Contact.id).where(...)`).
Each function runs a few set-based statements whatever the number of contacts — no query per
contact and no list of ids in memory — so "all 800,000 matching" costs what one row costs,
times the rows the database touches.
"""
from peewee import Value

from ..db import db
from ..models import ConsentRecord, Contact, ContactTag, utcnow
from .consent import check_change
from .tags import tag_ids


def tag_selection(selection, names):
    """Give every selected contact the tags `names` (created when missing); returns the tag ids."""
    ids = tag_ids(names)
    with db.atomic():
        for tag_id in ids.values():
            rows = selection.select(Contact.id, Value(tag_id))
            ContactTag.insert_from(rows, [ContactTag.contact, ContactTag.tag]).on_conflict_ignore().execute()
    return ids


def untag_selection(selection, names):
    """Take the tags `names` off every selected contact; returns how many links were removed."""
    ids = list(tag_ids(names, create=False).values())
    if not ids:
        return 0
    return ContactTag.delete().where(ContactTag.tag.in_(ids) & ContactTag.contact.in_(selection)).execute()


def consent_selection(selection, channel, status, method, actor=None, detail="", wording="", ip="", user_agent=""):
    """Set consent for `channel` on every selected contact whose status differs.

    Each changed contact gets its own ConsentRecord (with the previous status), exactly as
    chapar.contacts.change_consent would write it. Returns how many contacts changed.
    """
    check_change(channel, status, method)
    column = getattr(Contact, f"consent_{channel}")
    now = utcnow()
    changing = Contact.select(Contact.id).where(Contact.id.in_(selection) & (column != status))
    history = Contact.select(Contact.id, Value(channel), Value(status), column, Value(method), Value(detail[:255]),
                             Value(wording), Value(ip[:64]), Value(user_agent[:255]),
                             Value(actor.id if actor is not None else None), Value(now)).where(Contact.id.in_(changing))
    with db.atomic():
        # The records first: they read each contact's previous status before the update moves it.
        ConsentRecord.insert_from(history, [
            ConsentRecord.contact, ConsentRecord.channel, ConsentRecord.status, ConsentRecord.previous_status,
            ConsentRecord.method, ConsentRecord.detail, ConsentRecord.wording, ConsentRecord.ip,
            ConsentRecord.user_agent, ConsentRecord.actor, ConsentRecord.created_at]).execute()
        return (Contact.update({column: status, Contact.updated_at: now})
                .where(Contact.id.in_(selection) & (column != status)).execute())


def delete_selection(selection):
    """Delete the selected contacts with their tags, values and consent history; returns how many."""
    with db.atomic():
        return Contact.delete().where(Contact.id.in_(selection)).execute()
