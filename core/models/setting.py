"""Settings edited in the UI (as opposed to CHAPAR_* start-up settings): a key and a JSON value."""
import json

from peewee import CharField, DateTimeField, TextField

from .base import BaseModel, utcnow


class SiteSetting(BaseModel):
    key = CharField(max_length=100, primary_key=True)
    value = TextField()  # JSON
    updated_at = DateTimeField(default=utcnow)

    @classmethod
    def get_value(cls, key, default=None):
        row = cls.get_or_none(cls.key == key)
        return json.loads(row.value) if row else default

    @classmethod
    def set_value(cls, key, value):
        (cls.insert(key=key, value=json.dumps(value), updated_at=utcnow())
         .on_conflict(conflict_target=[cls.key], update={cls.value: json.dumps(value), cls.updated_at: utcnow()})
         .execute())
