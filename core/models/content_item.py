"""The content library: reusable content for one channel, copied into programs."""
import json

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from .base import BaseModel, utcnow
from .user import User


class ContentItem(BaseModel):
    name = CharField(max_length=200)
    channel = CharField(max_length=40, index=True)  # a channel identifier
    description = TextField(default="")
    # {language: {field: value}}; the "" language is the fallback for every other.
    variants_json = TextField(default="{}")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    @property
    def variants(self):
        return json.loads(self.variants_json or "{}")
