"""The consent history: one row per change, never updated or deleted by a later change."""
from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from .base import BaseModel, utcnow
from .contact import Contact
from .user import User

# How a change came about; `detail` names the file, form or keyword.
CONSENT_METHODS = ("user", "import", "api", "form", "keyword", "unsubscribe_link", "bounce", "complaint", "merge")


class ConsentRecord(BaseModel):
    contact = ForeignKeyField(Contact, backref="consent_records", on_delete="CASCADE")
    channel = CharField(max_length=12)  # a channel, or "all" for the do-not-contact flag
    status = CharField(max_length=16)  # a consent status, or "do_not_contact" / "contact_allowed" (15)
    previous_status = CharField(max_length=16, default="")
    method = CharField(max_length=20)
    detail = CharField(max_length=255, default="")
    wording = TextField(default="")  # exactly what the person was shown
    ip = CharField(max_length=64, default="")
    user_agent = CharField(max_length=255, default="")
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("contact", "created_at"), False),)
