"""Recorded events (delivered, opened, clicked, replied, unsubscribed, bounced, submitted…).

Named EventRecord in Python so it does not clash with chapar.Event, the announcement plugins
receive through track_event; the table is `event`.
"""
import json

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from .base import BaseModel, utcnow
from .campaign import Campaign
from .contact import Contact
from .message import Message
from .program import Program


class EventRecord(BaseModel):
    name = CharField(max_length=40)
    contact = ForeignKeyField(Contact, null=True, backref="events", on_delete="CASCADE")
    message = ForeignKeyField(Message, null=True, backref="events", on_delete="CASCADE")
    program = ForeignKeyField(Program, null=True, backref="events", on_delete="CASCADE")
    campaign = ForeignKeyField(Campaign, null=True, backref="events", on_delete="CASCADE")
    properties_json = TextField(default="{}")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "event"
        indexes = ((("contact", "created_at"), False), (("message", "created_at"), False),
                   (("program", "name"), False), (("campaign", "name"), False))

    @property
    def properties(self):
        return json.loads(self.properties_json or "{}")
