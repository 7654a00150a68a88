"""Merging two records of one person: nothing of either history is lost."""
from ..db import db
from ..models import (CHANNELS, ConsentRecord, Contact, ContactFieldValue, ContactTag, EventRecord, InboundMessage,
                      Message, utcnow)
from .consent import RESTRICTIVENESS, change_consent, set_do_not_contact
from .service import EDITABLE_FIELDS



def merge_contacts(keep, drop, actor=None):
    """Fold `drop` into `keep` and delete `drop`; returns `keep`.

    Empty fields of `keep` take `drop`'s values; tags and custom values are united (keep's win);
    consent history moves over, and the firmer status per channel is kept (RESTRICTIVENESS). Messages
    sent, messages received and events (opens, clicks…) move over too; where both records had a
    message in the same program (a program reaches a person once), drop's stays with its program,
    no longer linked to a contact, as when a contact is deleted.
    """
    if keep.id == drop.id:
        raise ValueError("cannot merge a contact with itself")
    with db.atomic():
        unique_moves = {}
        for name in EDITABLE_FIELDS:
            if not getattr(keep, name) and getattr(drop, name):
                if name in ("email", "mobile"):
                    unique_moves[name] = getattr(drop, name)
                else:
                    setattr(keep, name, getattr(drop, name))
        ConsentRecord.update(contact=keep).where(ConsentRecord.contact == drop).execute()
        (ContactTag.insert_from(ContactTag.select(keep.id, ContactTag.tag).where(ContactTag.contact == drop),
                                [ContactTag.contact, ContactTag.tag]).on_conflict_ignore().execute())
        taken = ContactFieldValue.select(ContactFieldValue.field).where(ContactFieldValue.contact == keep)
        (ContactFieldValue.update(contact=keep)
         .where((ContactFieldValue.contact == drop) & ContactFieldValue.field.not_in(taken)).execute())
        _move_activity(keep, drop)
        consents = {channel: drop.consent(channel) for channel in CHANNELS}
        drop_blocked = drop.do_not_contact
        drop_id = drop.id
        drop.delete_instance(recursive=False)  # cascades its remaining tags and values
        for name, value in unique_moves.items():  # only now that drop no longer holds them
            setattr(keep, name, value)
        keep.updated_at = utcnow()
        keep.save()
        for channel, status in consents.items():
            if RESTRICTIVENESS[status] > RESTRICTIVENESS[keep.consent(channel)]:
                change_consent(keep, channel, status, "merge", actor=actor, detail=f"merged contact #{drop_id}")
        if drop_blocked:
            set_do_not_contact(keep, True, "merge", actor=actor, detail=f"merged contact #{drop_id}")
    return Contact.get_by_id(keep.id)


def _move_activity(keep, drop):
    """Messages, received messages and events of `drop` become `keep`'s (see merge_contacts)."""
    reached = Message.select(Message.program).where(Message.contact == keep)
    Message.update(contact=keep).where((Message.contact == drop) & Message.program.not_in(reached)).execute()
    InboundMessage.update(contact=keep).where(InboundMessage.contact == drop).execute()
    EventRecord.update(contact=keep).where(EventRecord.contact == drop).execute()
