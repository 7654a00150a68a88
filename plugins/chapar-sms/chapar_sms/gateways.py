"""SMS gateways: each a provider kind (Kannel, SMPP, HTTP…) with its settings and sender id.

A program picks one through `Program.provider` (the gateway's id, as text); one gateway is the
default. `secret` authenticates the gateway's callbacks (delivery reports, inbound messages):
it is part of the callback URLs given to the gateway and compared in constant time.
"""
import json
import secrets
import time

from chapar import BaseModel, utcnow
from peewee import BooleanField, CharField, DateTimeField, FloatField, TextField


# How long a worker sends through the gateway row it read without reading it again: a gateway
# saved in another process (the admin) takes effect within this time; in this process, at once.
SENDING_CACHE_SECONDS = 2.0
_sending = {}  # program's provider text -> (time.monotonic() when read, SmsGateway)


def new_secret():
    return secrets.token_urlsafe(24)


class SmsGateway(BaseModel):
    name = CharField(max_length=100, unique=True)
    kind = CharField(max_length=40)  # an SmsProvider.kind
    settings_json = TextField(default="{}")  # the provider's settings_fields; secrets never rendered
    sender = CharField(max_length=20, default="")  # sender id (alphanumeric, up to 11) or short code
    rate_per_second = FloatField(null=True)
    is_default = BooleanField(default=False)
    secret = CharField(max_length=64, default=new_secret)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.name

    @property
    def settings(self):
        return json.loads(self.settings_json or "{}")

    # Any write (the admin pages also forget after their commit): the send path reads anew.
    def save(self, *args, **kwargs):
        saved = super().save(*args, **kwargs)
        forget_read()
        return saved

    def delete_instance(self, *args, **kwargs):
        deleted = super().delete_instance(*args, **kwargs)
        forget_read()
        return deleted


def gateway_for(provider=""):
    """The gateway a program chose (its id as text), else the default one, else the first; or None."""
    if provider and str(provider).isdigit():
        found = SmsGateway.get_or_none(SmsGateway.id == int(provider))
        if found is not None:
            return found
    return SmsGateway.select().order_by(SmsGateway.is_default.desc(), SmsGateway.id).first()


def sending_gateway(provider=""):
    """gateway_for(provider) as the send path needs it: read at most every SENDING_CACHE_SECONDS
    (not once per batch: a query there also costs the send thread a database connection per job).
    Saving or deleting a gateway in this process forgets what was read."""
    now = time.monotonic()
    read_at, gateway = _sending.get(provider, (None, None))
    if read_at is None or now - read_at > SENDING_CACHE_SECONDS:
        gateway = gateway_for(provider)
        if gateway is not None:  # none yet: the next batch looks again
            _sending[provider] = (now, gateway)
    return gateway


def forget_read():
    """Make the next sending_gateway() read the database (a gateway changed, tables were reset)."""
    _sending.clear()
