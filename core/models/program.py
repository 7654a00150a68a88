"""Programs: one medium, one audience and one schedule inside a campaign."""
import json

from peewee import (BooleanField, CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField,
                    TextField)

from .base import BaseModel, utcnow
from .campaign import Campaign
from .content_item import ContentItem
from .user import User

PROGRAM_STATUSES = ("draft", "ready", "scheduled", "sending", "paused", "sent", "cancelled", "failed")
FINAL_PROGRAM_STATUSES = ("sent", "cancelled", "failed")
SCHEDULE_KINDS = ("now", "at", "window")
# "subscribed": only contacts who said yes; "not_refused": also those never asked.
CONSENT_POLICIES = ("subscribed", "not_refused")


class Program(BaseModel):
    campaign = ForeignKeyField(Campaign, backref="programs", on_delete="CASCADE")
    name = CharField(max_length=200)
    channel = CharField(max_length=40, index=True)  # a channel identifier
    provider = CharField(max_length=60, default="")  # the channel's sender, identity or gateway
    content_item = ForeignKeyField(ContentItem, null=True, on_delete="SET NULL")  # copied from
    variants_json = TextField(default="{}")  # {language: {field: value}}, "" is the fallback
    audience_json = TextField(default='{"include": [], "exclude": [], "contacts": []}')
    consent_policy = CharField(max_length=12, default="subscribed")
    schedule_kind = CharField(max_length=8, default="now")
    scheduled_at = DateTimeField(null=True)  # UTC; entered in the campaign's time zone
    window_start = CharField(max_length=5, default="")  # "HH:MM" in the campaign's time zone
    window_end = CharField(max_length=5, default="")
    window_days = CharField(max_length=7, default="0123456")  # Monday is 0
    throttle_per_minute = IntegerField(null=True)
    cost_per_unit = DecimalField(max_digits=16, decimal_places=4, default=0)
    fixed_cost = DecimalField(max_digits=16, decimal_places=2, default=0)
    tracking = BooleanField(default=False)
    status = CharField(max_length=10, default="draft", index=True)
    audience_size = IntegerField(default=0)  # messages queued at launch (skipped ones excluded)
    # The launch is still writing the audience snapshot: a program is never finished while it is.
    launching = BooleanField(default=False)
    estimated_cost = DecimalField(max_digits=16, decimal_places=2, null=True)
    error = TextField(default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    launched_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "scheduled_at"), False),)

    @property
    def variants(self):
        return json.loads(self.variants_json or "{}")

    @property
    def audience(self):
        return json.loads(self.audience_json or "{}")

    @property
    def content_locked(self):
        return self.status not in ("draft", "ready")
