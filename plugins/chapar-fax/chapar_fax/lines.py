"""Fax lines: each a transport kind (HylaFAX, email-to-fax, HTTP API…) with its settings and our number.

A program picks one through `Program.provider` (the line's id, as text); one line is the default.
`secret` authenticates the transport's callbacks (status reports, received faxes): it is part of
the callback URLs given to the transport and compared in constant time. A busy or unanswered fax
is tried again up to `max_tries` times, `retry_minutes` × 2^(try-1) apart.
"""
import json
import secrets

from chapar import BaseModel, Message, utcnow
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)


def new_secret():
    return secrets.token_urlsafe(24)


class FaxLine(BaseModel):
    name = CharField(max_length=100, unique=True)
    kind = CharField(max_length=40)  # a FaxTransport.kind
    settings_json = TextField(default="{}")  # the transport's settings_fields; secrets never rendered
    sender = CharField(max_length=20, default="")  # our fax number, E.164
    rate_per_second = FloatField(null=True)
    is_default = BooleanField(default=False)
    secret = CharField(max_length=64, default=new_secret)
    max_tries = IntegerField(default=3)
    retry_minutes = IntegerField(default=5)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.name

    @property
    def settings(self):
        return json.loads(self.settings_json or "{}")


class FaxJob(BaseModel):
    """One submission of a message's fax to a line's transport: the first, or a retry after busy."""

    message = ForeignKeyField(Message, backref="fax_jobs", on_delete="CASCADE")
    line = ForeignKeyField(FaxLine, backref="jobs", on_delete="CASCADE")
    provider_id = CharField(max_length=200, default="", index=True)  # the transport's job id
    attempt = IntegerField(default=1)
    state = CharField(max_length=12, default="pending", index=True)  # see STATES
    reason = CharField(max_length=500, default="")
    pages = IntegerField(null=True)
    next_try_at = DateTimeField(null=True, index=True)  # set while state is "retry"
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


# pending: submitted, outcome not known; retry: busy/no answer, to submit again at next_try_at;
# resubmitted: a newer job took over; delivered / failed: final.
STATES = ("pending", "retry", "resubmitted", "delivered", "failed")


def line_for(provider=""):
    """The line a program chose (its id as text), else the default one, else the first; or None."""
    if provider and str(provider).isdigit():
        found = FaxLine.get_or_none(FaxLine.id == int(provider))
        if found is not None:
            return found
    return FaxLine.select().order_by(FaxLine.is_default.desc(), FaxLine.id).first()
