"""The audit log: who did what security-relevant thing, when and from where."""
from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from .base import BaseModel, utcnow
from .user import User


class AuditLog(BaseModel):
    created_at = DateTimeField(default=utcnow, index=True)
    actor = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    action = CharField(max_length=64, index=True)  # e.g. login.failed, user.created
    target = CharField(max_length=255, default="")
    ip = CharField(max_length=64, default="")
    details = TextField(default="")  # JSON
