"""Messages received: replies, keywords, inbound faxes — matched to a contact and a program."""
import json

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from .base import BaseModel, utcnow
from .contact import Contact
from .message import Message
from .program import Program


class InboundMessage(BaseModel):
    channel = CharField(max_length=40, index=True)
    sender = CharField(max_length=320)  # the address it came from
    recipient = CharField(max_length=320, default="")  # our number or mailbox
    contact = ForeignKeyField(Contact, null=True, backref="inbound_messages", on_delete="SET NULL")
    program = ForeignKeyField(Program, null=True, backref="inbound_messages", on_delete="SET NULL")
    message = ForeignKeyField(Message, null=True, backref="replies", on_delete="SET NULL")
    subject = CharField(max_length=500, default="")
    body = TextField(default="")
    provider_id = CharField(max_length=200, default="", index=True)
    action = CharField(max_length=40, default="")  # what it did: "unsubscribed", "survey_answer"…
    data_json = TextField(default="{}")
    received_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("program", "received_at"), False), (("contact", "received_at"), False))

    @property
    def data(self):
        return json.loads(self.data_json or "{}")
