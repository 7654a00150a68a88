"""Typed custom fields defined by admins; values stored in a typed column so filters use indexes."""
import json

from peewee import (BooleanField, CharField, DateField, DateTimeField, DoubleField, ForeignKeyField,
                    IntegerField, TextField)

from .base import BaseModel, utcnow
from .contact import Contact

FIELD_KINDS = ("text", "number", "date", "choice", "boolean")
# Which column of ContactFieldValue holds each kind.
VALUE_COLUMN = {"text": "text_value", "choice": "text_value", "number": "number_value",
                "date": "date_value", "boolean": "bool_value"}


class CustomField(BaseModel):
    key = CharField(max_length=64, unique=True)  # used in filters, merge tags and CSV headers
    label = CharField(max_length=200)
    kind = CharField(max_length=10)
    choices_json = TextField(default="[]")
    position = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    @property
    def choices(self):
        return json.loads(self.choices_json or "[]")

    @property
    def value_column(self):
        return VALUE_COLUMN[self.kind]


class ContactFieldValue(BaseModel):
    contact = ForeignKeyField(Contact, backref="field_values", on_delete="CASCADE")
    field = ForeignKeyField(CustomField, backref="values", on_delete="CASCADE")
    text_value = CharField(max_length=500, null=True)
    number_value = DoubleField(null=True)
    date_value = DateField(null=True)
    bool_value = BooleanField(null=True)

    class Meta:
        indexes = (
            (("contact", "field"), True),
            (("field", "text_value"), False),
            (("field", "number_value"), False),
            (("field", "date_value"), False),
        )

    @property
    def value(self):
        return getattr(self, self.field.value_column)
