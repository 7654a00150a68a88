"""marshmallow schemas of /api/v1 programs, their actions and figures.

As for campaigns, the schemas check shapes and types; what makes content, an audience or a
schedule valid is chapar.programs' (save_program), so the API refuses exactly what the web UI does.
"""
import marshmallow as ma
from marshmallow.validate import Length, OneOf, Range

from ..models import CONSENT_POLICIES, MESSAGE_STATUSES, PROGRAM_STATUSES, SCHEDULE_KINDS, SKIP_REASONS
from ..programs import actual_cost, scheduled_local
from ..programs.service import MAX_PICKED
from ..security import MAX_ID
from .campaign_schemas import money, record_id
from .pagination import PageArgsSchema
from .schemas import UTCDateTime

# What stays editable once a program is launched (chapar.programs.save_program's rule).
EDITABLE_WHEN_LOCKED = ("name", "throttle_per_minute", "cost_per_unit", "fixed_cost")
VARIANTS_DOC = (
    "Content per language: `{\"\": {field: value}, \"fa\": {...}}`. The `\"\"` variant is required: it is the "
    "fallback for contacts whose language has none. The fields are the channel's `content_fields` "
    "(GET /api/v1/channels); template fields take merge tags such as `{{ contact.first_name }}`."
)
VARIANTS_EXAMPLE = {"": {"subject": "Spring sale", "body": "Hello {{ contact.first_name|default('friend') }}"},
                    "fa": {"subject": "حراج بهاره", "body": "سلام {{ contact.first_name|default('مشتری گرامی') }}"}}
SKIPPED_DOC = {"description": "Contacts left out, by reason: " + ", ".join(SKIP_REASONS), "type": "object"}


def _ids(description):
    return ma.fields.List(record_id(), validate=Length(max=MAX_PICKED), metadata={"description": description})


class AudienceSchema(ma.Schema):
    include = _ids("Segment ids whose members are included")
    exclude = _ids("Segment ids whose members are left out")
    contacts = _ids(f"Hand-picked contact ids (at most {MAX_PICKED})")


class ProgramSchema(ma.Schema):
    id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    name = ma.fields.String()
    channel = ma.fields.String(metadata={"description": "A channel identifier, see GET /api/v1/channels"})
    provider = ma.fields.String(metadata={"description": "The channel's sender, identity or gateway"})
    content_item_id = ma.fields.Integer(allow_none=True, metadata={"description": "Library content it was copied from"})
    variants = ma.fields.Raw(metadata={"description": VARIANTS_DOC, "type": "object"})
    audience = ma.fields.Nested(AudienceSchema)
    consent_policy = ma.fields.String(metadata={"enum": list(CONSENT_POLICIES)})
    schedule_kind = ma.fields.String(metadata={"enum": list(SCHEDULE_KINDS)})
    scheduled_at = UTCDateTime(allow_none=True)
    scheduled_local = ma.fields.Function(
        lambda program: scheduled_local(program).isoformat() if program.scheduled_at else None, allow_none=True,
        metadata={"description": "scheduled_at as wall-clock time in the campaign's time zone", "type": "string"})
    window_start = ma.fields.String(metadata={"description": "HH:MM in the campaign's time zone"})
    window_end = ma.fields.String()
    window_days = ma.fields.String(metadata={"description": "Weekdays as digits, Monday = 0"})
    throttle_per_minute = ma.fields.Integer(allow_none=True)
    cost_per_unit = money(4)
    fixed_cost = money()
    tracking = ma.fields.Boolean()
    status = ma.fields.String(metadata={"enum": list(PROGRAM_STATUSES)})
    content_locked = ma.fields.Boolean(metadata={"description": "Launched: only " + ", ".join(EDITABLE_WHEN_LOCKED)
                                                 + " can change"})
    audience_size = ma.fields.Integer(metadata={"description": "Messages queued at launch"})
    launching = ma.fields.Boolean(metadata={"description": "The launch is still writing the audience: "
                                                           "audience_size is not final yet"})
    estimated_cost = money(allow_none=True, metadata={"description": "Set at launch"})
    error = ma.fields.String()
    created_by_id = ma.fields.Integer(allow_none=True)
    launched_at = UTCDateTime(allow_none=True)
    started_at = UTCDateTime(allow_none=True)
    finished_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class ProgramDetailSchema(ProgramSchema):
    actual_cost = ma.fields.Function(lambda program: str(actual_cost(program)), metadata={
        "description": "Spent so far: the messages handed to the provider, plus the fixed cost once sending began",
        "type": "string"})


class ProgramUpdateSchema(ma.Schema):
    """The fields to change (PATCH); once launched only name, throttle and costs may change."""

    name = ma.fields.String(validate=Length(min=1, max=200))
    channel = ma.fields.String(validate=Length(min=1, max=40))
    provider = ma.fields.String(validate=Length(max=60))
    variants = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(), metadata={
        "description": VARIANTS_DOC, "example": VARIANTS_EXAMPLE})
    content_item_id = record_id(allow_none=True, metadata={
        "description": "Copy this library content in (when `variants` is not sent)"})
    audience = ma.fields.Nested(AudienceSchema)
    consent_policy = ma.fields.String(validate=OneOf(CONSENT_POLICIES), metadata={
        "description": "subscribed: only those who said yes; not_refused: also those never asked"})
    schedule_kind = ma.fields.String(validate=OneOf(SCHEDULE_KINDS))
    scheduled_at = ma.fields.String(allow_none=True, validate=Length(max=40), metadata={
        "description": "For schedule_kind `at`: ISO 8601; without an offset it is wall-clock time in the "
                       "campaign's time zone. Must be in the future"})
    window_start = ma.fields.String(validate=Length(max=5), metadata={"description": "HH:MM, for `window`"})
    window_end = ma.fields.String(validate=Length(max=5),
                                  metadata={"description": "HH:MM; before the start: past midnight"})
    window_days = ma.fields.String(validate=Length(min=1, max=7), metadata={"description": "e.g. 0123456"})
    throttle_per_minute = ma.fields.Integer(strict=True, allow_none=True, validate=Range(min=1, max=10_000_000),
                                            metadata={"description": "null: as fast as the provider allows"})
    cost_per_unit = money(4, metadata={"description": "Per unit of the channel's cost_unit"})
    fixed_cost = money()
    tracking = ma.fields.Boolean()


class ProgramCreateSchema(ProgramUpdateSchema):
    name = ma.fields.String(required=True, validate=Length(min=1, max=200))
    channel = ma.fields.String(required=True, validate=Length(min=1, max=40))


class ProgramListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=OneOf(PROGRAM_STATUSES))
    channel = ma.fields.String(validate=Length(max=40))


class AllProgramsArgsSchema(ProgramListArgsSchema):
    campaign = ma.fields.Integer(validate=Range(min=1, max=MAX_ID), metadata={"description": "Only this campaign's"})


class LaunchResultSchema(ma.Schema):
    queued = ma.fields.Integer(required=True, metadata={"description": "Messages queued"})
    skipped = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True,
                             metadata=SKIPPED_DOC)
    starts_at = UTCDateTime(allow_none=True, metadata={"description": "When sending starts; null: now"})
    program = ma.fields.Nested(ProgramSchema, required=True)


class EstimateSchema(ma.Schema):
    recipients = ma.fields.Integer(required=True, metadata={"description": "Who a launch would queue now"})
    skipped = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True,
                             metadata=SKIPPED_DOC)
    units_per_message = ma.fields.Float(required=True, metadata={"description": "Average over a sample"})
    total_units = ma.fields.Integer(required=True)
    cost_unit = ma.fields.String(required=True, metadata={"description": "What a unit is: email, SMS segment, page"})
    cost = money(required=True, metadata={"description": "Units × cost_per_unit + fixed_cost"})
    currency = ma.fields.String(required=True)
    warnings = ma.fields.List(ma.fields.String(), required=True)


class ProgressSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": list(PROGRAM_STATUSES)})
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True, metadata={
        "description": "Messages per status: " + ", ".join(MESSAGE_STATUSES), "type": "object"})
    total = ma.fields.Integer(required=True, metadata={"description": "Every message, skipped ones included"})
    done = ma.fields.Integer(required=True, metadata={"description": "In a final state"})
    pending = ma.fields.Integer(required=True)
    percent = ma.fields.Float(required=True)
    rate_per_minute = ma.fields.Float(required=True, metadata={"description": "Finished in the last minute"})
    seconds_left = ma.fields.Float(allow_none=True, required=True, metadata={"description": "At that rate"})
    actual_cost = money(required=True)
    estimated_cost = money(allow_none=True, required=True)


class ProgramPreviewArgsSchema(ma.Schema):
    contact = ma.fields.Integer(required=True, validate=Range(min=1, max=MAX_ID),
                                metadata={"description": "A contact id"})


class ProgramPreviewSchema(ma.Schema):
    contact_id = ma.fields.Integer(required=True)
    address = ma.fields.String(required=True, metadata={"description": "Where it would go; \"\" when none"})
    language = ma.fields.String(required=True)
    content = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), required=True,
                             metadata={"description": "The rendered content fields"})
    units = ma.fields.Integer(required=True)
    warnings = ma.fields.List(ma.fields.String(), required=True)
