"""marshmallow schemas of /api/v1/segments.

The filter is taken as raw JSON on purpose: chapar.segments.validate_filter checks it, so the API
refuses exactly what the web UI and saving refuse, with the same messages naming each condition.
"""
import json

import marshmallow as ma

from ..segments import MAX_DEPTH, MAX_LIST, MAX_NODES
from ..segments.service import MAX_DESCRIPTION, MAX_NAME
from .pagination import PageArgsSchema
from .schemas import UTCDateTime

FILTER_DOC = (
    "A segment filter (see docs/segments.md): groups `{\"all\": [...]}`, `{\"any\": [...]}`, `{\"not\": {...}}`; "
    "conditions `{\"field\": \"city\", \"op\": \"eq\", \"value\": \"Tehran\"}` on contact fields, "
    "`custom.<key>` and `consent.<channel>`, and `{\"op\": \"has_tag\", \"value\": \"vip\"}`, `lacks_tag`, "
    "`in_segment`, `not_in_segment` (a segment id) or a plugin's operator. "
    f"At most {MAX_DEPTH} levels, {MAX_NODES} conditions and groups, {MAX_LIST} values in a list."
)
FILTER_EXAMPLE = {"all": [{"op": "has_tag", "value": "vip"}, {"field": "city", "op": "eq", "value": "Tehran"},
                          {"field": "consent.email", "op": "eq", "value": "subscribed"}]}


def filter_field(**kwargs):
    return ma.fields.Raw(metadata={"description": FILTER_DOC, "type": "object", "example": FILTER_EXAMPLE}, **kwargs)


def _stored_filter(segment):
    return json.loads(segment.filter_json)


class SegmentSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    filter = ma.fields.Function(_stored_filter, metadata={"description": "The filter, in normal form",
                                                          "type": "object"})
    count = ma.fields.Integer(attribute="cached_count", allow_none=True,
                              metadata={"description": "Matching contacts when last counted (null: never)"})
    counted_at = UTCDateTime(allow_none=True)
    created_by_id = ma.fields.Integer(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class SegmentCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_NAME))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=MAX_DESCRIPTION))
    filter = filter_field(required=True)


class SegmentUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_NAME))
    description = ma.fields.String(validate=ma.validate.Length(max=MAX_DESCRIPTION))
    filter = filter_field()


class MemberSchema(ma.Schema):
    """A contact as a segment lists it; GET /api/v1/contacts/<id> has the whole record."""

    id = ma.fields.Integer()
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    mobile = ma.fields.String(allow_none=True)
    city = ma.fields.String()


class PreviewSchema(ma.Schema):
    filter = filter_field(required=True)
    segment_id = ma.fields.Integer(load_default=None, allow_none=True,
                                   metadata={"description": "The segment being edited, to refuse circles"})
    sample = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=0, max=50))


class PreviewResultSchema(ma.Schema):
    count = ma.fields.Integer(required=True)
    sample = ma.fields.List(ma.fields.Nested(MemberSchema), required=True,
                            metadata={"description": "The first matching contacts, by id"})
    filter = ma.fields.Raw(metadata={"description": "The filter in normal form", "type": "object"})


class CountArgsSchema(ma.Schema):
    refresh = ma.fields.Boolean(load_default=False, metadata={"description": "Count now instead of the cache"})
    max_age = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=0),
                                metadata={"description": "Recount when the cached figure is older (seconds)"})


class CountSchema(ma.Schema):
    count = ma.fields.Integer(required=True)
    counted_at = UTCDateTime(required=True)


class SegmentListArgsSchema(PageArgsSchema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=MAX_NAME),
                         metadata={"description": "Only segments whose name contains this"})
