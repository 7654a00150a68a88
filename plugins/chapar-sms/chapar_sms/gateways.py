"""SMS gateways: each a provider kind (Kannel, SMPP, HTTP…) with its settings and sender id.

A program picks one through `Program.provider` (the gateway's id, as text); one gateway is the
default. `secret` authenticates the gateway's callbacks (delivery reports, inbound messages):
it is part of the callback URLs given to the gateway and compared in constant time.
"""
import json
import secrets

from chapar import BaseModel, utcnow
from peewee import BooleanField, CharField, DateTimeField, FloatField, TextField


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


def gateway_for(provider=""):
    """The gateway a program chose (its id as text), else the default one, else the first; or None."""
    if provider and str(provider).isdigit():
        found = SmsGateway.get_or_none(SmsGateway.id == int(provider))
        if found is not None:
            return found
    return SmsGateway.select().order_by(SmsGateway.is_default.desc(), SmsGateway.id).first()
