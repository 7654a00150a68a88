"""The plugin's one table; migrations/0001_sample_note.py creates it."""
from peewee import CharField, DateTimeField

from chapar import BaseModel, utcnow


class SampleNote(BaseModel):
    text = CharField(max_length=200)
    created_at = DateTimeField(default=utcnow)
