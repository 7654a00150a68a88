"""One message of a program to one contact: the unit the send pipeline moves exactly once."""
from peewee import CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, utcnow
from .contact import Contact
from .program import Program

# queued -> sending (claimed under a lease) -> handed (given to the channel) -> sent -> delivered,
# or failed / bounced; a letter goes sent (rendered) -> printed -> mailed; skipped at launch; cancelled with the program; uncertain when a worker
# died while a channel that cannot deduplicate held the message (see docs/sending.md).
MESSAGE_STATUSES = ("skipped", "queued", "sending", "handed", "sent", "delivered", "printed", "mailed", "failed",
                    "bounced", "cancelled", "uncertain")
# Statuses of a message that reached its recipient, or is on its way there for good.
DELIVERED_STATUSES = ("sent", "delivered", "printed", "mailed")
PENDING_STATUSES = ("queued", "sending", "handed")
FINAL_STATUSES = tuple(s for s in MESSAGE_STATUSES if s not in PENDING_STATUSES)
# Launch skips for all but contact_deleted, which a send finds (so does a consent change since launch).
SKIP_REASONS = ("excluded", "do_not_contact", "no_address", "no_consent", "bounced", "complained", "duplicate",
                "contact_deleted")


class Message(BaseModel):
    program = ForeignKeyField(Program, backref="messages", on_delete="CASCADE")
    # Kept when the contact is deleted: the message is still part of what was sent and spent.
    contact = ForeignKeyField(Contact, null=True, backref="messages", on_delete="SET NULL")
    address = CharField(max_length=500, default="")
    language = CharField(max_length=10, default="")
    status = CharField(max_length=10, default="queued")
    reason = CharField(max_length=40, default="")  # a skip reason or a failure code
    error = TextField(default="")
    provider_id = CharField(max_length=200, default="", index=True)
    units = IntegerField(default=0)
    cost = DecimalField(max_digits=16, decimal_places=4, default=0)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)
    lease_until = DateTimeField(null=True)
    lease_token = CharField(max_length=32, default="")
    queued_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    delivered_at = DateTimeField(null=True)
    failed_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("program", "contact"), True),
            (("program", "status"), False),
            (("status", "lease_until"), False),
            (("contact", "queued_at"), False),
        )


# Claims look messages up by their lease token; only the few in flight have one, so the index
# stays tiny however many messages a program has (partial: SQLite and PostgreSQL both do that).
Message.add_index(Message.index(Message.lease_token, where=(Message.lease_token != "")))
