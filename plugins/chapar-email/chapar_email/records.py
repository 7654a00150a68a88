"""What the unsubscribe and tracking pages read of the core's records (through chapar's public
models), in one place."""
from dataclasses import dataclass
from datetime import datetime

# Which contact attribute holds the address for each consent channel (the preferences page
# offers only the channels the contact can be reached on).
ADDRESS_OF = {"email": "email", "sms": "mobile", "fax": "fax", "print": "address_line1"}


@dataclass(frozen=True)
class MessageFacts:
    id: int
    contact_id: int | None
    program_id: int
    program_name: str
    sent_at: datetime | None
    delivered_at: datetime | None


def message_facts(message_id):
    """MessageFacts for a message id, or None when there is no such message."""
    from chapar import Message, Program

    row = (Message.select(Message.id, Message.contact, Message.program, Message.sent_at, Message.delivered_at,
                          Program.name)
           .join(Program).where(Message.id == message_id).objects().first())
    if row is None:
        return None
    return MessageFacts(row.id, row.contact_id, row.program_id, row.name, row.sent_at, row.delivered_at)


def find_contact(contact_id):
    """The Contact with this id, or None (deleted, or merged into another)."""
    from chapar import Contact

    return Contact.get_or_none(Contact.id == contact_id) if contact_id else None


def reachable_channels(contact):
    """The consent channels this contact has an address for, email first."""
    return [channel for channel, attribute in ADDRESS_OF.items() if getattr(contact, attribute, None)]
