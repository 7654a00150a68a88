"""Dynamic segments: a JSON filter evaluated when used (see chapar.segments)."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, utcnow
from .user import User


class Segment(BaseModel):
    name = CharField(max_length=200, unique=True)
    description = TextField(default="")
    filter_json = TextField()  # the filter language, validated before it is saved
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    cached_count = IntegerField(null=True)
    counted_at = DateTimeField(null=True)
