"""Recording messages received (replies, keywords, inbound faxes) — the core API channels call."""
import json

from .events import record_event
from .models import InboundMessage, Message, Program


def record_inbound(channel, sender, body="", *, recipient="", subject="", provider_id="", contact=None,
                   program=None, message=None, action="", data=None):
    """Store one received message and record a "replied" event; returns the InboundMessage.

    The channel matches it first (by address, In-Reply-To, a reply token…) and passes what it
    found: `message` (the Message it answers) fills in the contact and program.
    """
    if message is not None and not isinstance(message, Message):
        message = Message.get_or_none(Message.id == message)
    if message is not None:
        contact = contact if contact is not None else message.contact_id
        program = program if program is not None else message.program_id
    if isinstance(program, int):
        program = Program.get_or_none(Program.id == program)
    inbound = InboundMessage.create(
        channel=channel, sender=str(sender)[:320], recipient=str(recipient)[:320], subject=str(subject)[:500],
        body=body, provider_id=str(provider_id)[:200], contact=getattr(contact, "id", contact),
        program=program, message=message, action=action,
        data_json=json.dumps(data or {}, ensure_ascii=False, default=str))
    if inbound.contact_id or inbound.program_id:
        record_event("replied", contact=inbound.contact_id, message=inbound.message_id, program=inbound.program_id,
                     channel=channel, inbound_id=inbound.id)
    return inbound
