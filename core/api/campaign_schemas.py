"""marshmallow schemas of /api/v1/campaigns, and how the campaign and program services' errors
become API errors.

The schemas check shapes and types (unknown keys, wrong types, lengths); the rules of what makes a
campaign valid stay in chapar.campaigns (clean_campaign_data), whose FieldErrors field_messages()
turns into the same {field: [message]} shape marshmallow produces, so a client sees one format.
"""
import flask
import marshmallow as ma
from marshmallow.validate import Length, OneOf, Range
from peewee import fn

from ..campaigns import tags_of
from ..models import CAMPAIGN_STATUSES, OBJECTIVE_METRICS, CampaignTag, Program, Tag
from ..programs import objective_percent, objective_value, spend_by_campaign
from ..security import MAX_ID
from .errors import json_error
from .pagination import PageArgsSchema
from .schemas import UTCDateTime

MAX_TAGS = 100
MAX_DESCRIPTION = 10_000


def money(places=2, **kwargs):
    """Amounts travel as decimal strings with their stored places ("1500.00"), so no client rounds
    them through a float and every database answers alike; numbers are accepted on input."""
    return ma.fields.Decimal(places=places, as_string=True, allow_nan=False, **kwargs)


def record_id(**kwargs):
    """An id in a body: a whole JSON number a database id can hold."""
    return ma.fields.Integer(strict=True, validate=Range(min=1, max=MAX_ID), **kwargs)


def field_messages(errors, rename=None):
    """{name: FieldError} from a service's ValidationFailed -> {field: [message]}, with the service's
    names (owner, content_item) renamed to the API's (owner_id, content_item_id)."""
    rename = rename or {}
    return {rename.get(name, name): [error.message] for name, error in errors.items()}


def conflict(code, message, details=None):
    """Stop with 409 and a specific `code` (already_launched, program_locked ...) clients branch on."""
    flask.abort(json_error(409, message, details, code=code))


class CampaignSchema(ma.Schema):
    """A campaign as listed: its settings, tags and what its programs have spent."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    objective_metric = ma.fields.String(metadata={"enum": list(OBJECTIVE_METRICS)})
    objective_target = money(allow_none=True, metadata={
        "description": "In messages, responses, leads or deals, or money for revenue"})
    objective_deadline = ma.fields.Date(allow_none=True)
    starts_on = ma.fields.Date(allow_none=True)
    ends_on = ma.fields.Date(allow_none=True)
    budget = money()
    currency = ma.fields.String(metadata={"description": "ISO 4217, e.g. IRR"})
    time_zone = ma.fields.String(metadata={"description": "Program schedules are read in this IANA zone"})
    owner_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(metadata={"enum": list(CAMPAIGN_STATUSES)})
    tags = ma.fields.List(ma.fields.String())
    spend = money(metadata={"description": "Actual cost of the programs so far, in the campaign's currency"})
    program_count = ma.fields.Integer()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class CampaignDetailSchema(CampaignSchema):
    objective_value = money(metadata={"description": "Progress toward the objective, in its unit"})
    objective_percent = ma.fields.Float(allow_none=True, metadata={"description": "null without a target"})

    @ma.pre_dump
    def _objective(self, campaign, **_kwargs):
        campaign.objective_value = objective_value(campaign)
        campaign.objective_percent = objective_percent(campaign)
        return campaign


def load_campaign_extras(campaigns):
    """Tags, spend and program counts of a page of campaigns in three queries, for CampaignSchema."""
    ids = [campaign.id for campaign in campaigns]
    if not ids:
        return campaigns
    tags = {}
    links = (CampaignTag.select(CampaignTag.campaign, Tag.name).join(Tag)
             .where(CampaignTag.campaign.in_(ids)).order_by(Tag.name).tuples())
    for campaign_id, name in links:
        tags.setdefault(campaign_id, []).append(name)
    spend = spend_by_campaign(ids)
    counts = dict(Program.select(Program.campaign, fn.COUNT(Program.id)).where(Program.campaign.in_(ids))
                  .group_by(Program.campaign).tuples())
    for campaign in campaigns:
        campaign.tags, campaign.spend = tags.get(campaign.id, []), spend[campaign.id]
        campaign.program_count = counts.get(campaign.id, 0)
    return campaigns


def campaign_with_extras(campaign):
    campaign.tags = tags_of(campaign)
    return load_campaign_extras([campaign])[0]


def _tag_name():
    return ma.fields.String(validate=Length(min=1, max=64))


class CampaignUpdateSchema(ma.Schema):
    """The fields to change (PATCH); the rules (a known time zone, ends_on after starts_on) are the
    web UI's, checked by chapar.campaigns."""

    name = ma.fields.String(validate=Length(min=1, max=200))
    description = ma.fields.String(validate=Length(max=MAX_DESCRIPTION))
    objective_metric = ma.fields.String(validate=OneOf(OBJECTIVE_METRICS))
    objective_target = money(allow_none=True)
    objective_deadline = ma.fields.Date(allow_none=True)
    starts_on = ma.fields.Date(allow_none=True)
    ends_on = ma.fields.Date(allow_none=True)
    budget = money()
    currency = ma.fields.String(validate=Length(min=3, max=3), metadata={"description": "ISO 4217"})
    time_zone = ma.fields.String(validate=Length(max=64), metadata={"description": "IANA, e.g. Asia/Tehran"})
    owner_id = record_id(allow_none=True, metadata={"description": "A user; defaults to the token's user"})
    status = ma.fields.String(validate=OneOf(CAMPAIGN_STATUSES))
    tags = ma.fields.List(_tag_name(), validate=Length(max=MAX_TAGS), metadata={"description": "Replaces the tags"})


class CampaignCreateSchema(CampaignUpdateSchema):
    name = ma.fields.String(required=True, validate=Length(min=1, max=200))


class CampaignListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=OneOf(CAMPAIGN_STATUSES))
    owner = ma.fields.Integer(validate=Range(min=1, max=MAX_ID), metadata={"description": "Only this user's"})
    tag = ma.fields.String(validate=Length(max=64), metadata={"description": "Only campaigns with this tag"})
    q = ma.fields.String(validate=Length(max=200), metadata={"description": "Only names containing this"})
