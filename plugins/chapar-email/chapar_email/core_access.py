"""What bounce and reply handling reads and changes in the core's records, through chapar's
public API: a message's contact, program and address, a contact's email consent, and the count
of a contact's recent soft bounces."""
import json

try:
    from chapar import change_consent as _change_consent
except ImportError:  # pragma: no cover - depends on the core's version
    _change_consent = None


class MissingCoreApi(RuntimeError):
    pass


def message_summary(message_id):
    """{"id", "contact", "program", "address", "status"} of one Message, or None."""
    from chapar import Message

    row = (Message.select(Message.id, Message.contact, Message.program, Message.address, Message.status)
           .where(Message.id == int(message_id)).first())
    if row is None:
        return None
    return {"id": row.id, "contact": row.contact_id, "program": row.program_id, "address": (row.address or "").lower(),
            "status": row.status}


def email_consent(contact_id):
    from chapar import Contact

    return Contact.select(Contact.consent_email).where(Contact.id == contact_id).scalar()


def set_email_consent(contact_id, status, method, detail=""):
    """Set the contact's email consent through the core's change_consent (records the history row)."""
    if _change_consent is None:
        raise MissingCoreApi("chapar does not export change_consent: the email plugin needs "
                             "`from chapar import change_consent` to mark addresses bounced or complained")
    from chapar import Contact

    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        return None
    return _change_consent(contact, "email", status, method, detail=detail[:255])


# Events after which earlier soft bounces no longer count: the address worked again.
_FRESH_START = ("delivered", "opened", "clicked", "replied")


def recent_soft_bounces(contact_id):
    """Soft bounces of the contact since it last showed signs of life (delivery, open, click, reply)."""
    from chapar import EventRecord

    alive = (EventRecord.select(EventRecord.id).where((EventRecord.contact == contact_id)
                                                     & EventRecord.name.in_(_FRESH_START))
             .order_by(EventRecord.id.desc()).limit(1).scalar()) or 0
    rows = EventRecord.select(EventRecord.properties_json).where(
        (EventRecord.contact == contact_id) & (EventRecord.name == "bounced") & (EventRecord.id > alive))
    return sum(1 for row in rows if json.loads(row.properties_json or "{}").get("hard") is False)


def latest_message_to(address):
    """message_summary of the newest message that went to `address` (for reports naming only it)."""
    from chapar import Message

    newest = (Message.select(Message.id)
              .where((Message.address == address) & Message.status.in_(("handed", "sent", "delivered", "uncertain",
                                                                        "bounced")))
              .order_by(Message.id.desc()).limit(1).scalar())
    return message_summary(newest) if newest else None


def missing():
    """Names this plugin needs that the installed chapar does not export (for tests and startup)."""
    return [] if _change_consent is not None else ["change_consent"]
