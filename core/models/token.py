"""API tokens: shown once, stored only as a hash, each limited to a role."""
from peewee import CharField, DateTimeField, ForeignKeyField

from .base import BaseModel, utcnow
from .user import User


class ApiToken(BaseModel):
    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    name = CharField(max_length=100)
    prefix = CharField(max_length=16)  # the first characters, to recognise a token in lists
    token_hash = CharField(max_length=64, unique=True)
    role = CharField(max_length=20)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    @property
    def active(self):
        return self.revoked_at is None
