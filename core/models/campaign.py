"""Campaigns: an objective and a budget that several programs work toward."""
from peewee import CharField, DateField, DateTimeField, DecimalField, ForeignKeyField, TextField

from .base import BaseModel, utcnow
from .tag import Tag
from .user import User

CAMPAIGN_STATUSES = ("planned", "active", "finished", "archived")
# What the objective counts; `revenue` is money in the campaign's currency, the rest are counts.
OBJECTIVE_METRICS = ("delivered", "responses", "leads", "deals_won", "revenue")


class Campaign(BaseModel):
    name = CharField(max_length=200)
    description = TextField(default="")
    objective_metric = CharField(max_length=12, default="delivered")
    objective_target = DecimalField(max_digits=16, decimal_places=2, null=True)
    objective_deadline = DateField(null=True)
    starts_on = DateField(null=True)
    ends_on = DateField(null=True)
    budget = DecimalField(max_digits=16, decimal_places=2, default=0)
    currency = CharField(max_length=3, default="USD")  # ISO 4217
    time_zone = CharField(max_length=64, default="UTC")  # program schedules are read in this zone
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    status = CharField(max_length=10, default="planned", index=True)
    created_at = DateTimeField(default=utcnow, index=True)
    updated_at = DateTimeField(default=utcnow)


class CampaignTag(BaseModel):
    campaign = ForeignKeyField(Campaign, backref="tag_links", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="campaign_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("campaign", "tag"), True),)
