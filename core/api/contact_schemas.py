"""marshmallow schemas of the audience resources (contacts, tags, custom fields, consent), and
how their input problems become API errors.

The schemas check shapes and types (unknown keys, wrong types, lengths); the rules of what makes a
contact valid stay in chapar.contacts (clean_contact_data), whose FieldErrors field_errors()
turns into the same {field: [message]} shape marshmallow produces, so a client sees one format.
"""
import datetime

import marshmallow as ma
import webargs.flaskparser
from marshmallow.validate import Length, OneOf, Range

from ..contacts import EDITABLE_FIELDS
from ..contacts.fields import values_of
from ..contacts.service import TEXT_FIELDS
from ..contacts.tags import MAX_TAG_LENGTH, tags_of
from ..models import (CHANNELS, CONSENT_STATUSES, FIELD_KINDS, SOURCES, ContactFieldValue, ContactTag,
                      CustomField, Tag)
from ..security import MAX_ID
from .errors import abort
from .pagination import PageArgsSchema
from .schemas import UTCDateTime

LOCATION_HEADER = {"Location": {"description": "The new record's URL", "schema": {"type": "string"}}}
MAX_TAGS = 100  # per request: a bound for hostile bodies, far above real use
# The do-not-contact flag travels as a consent change on the pseudo-channel "all".
ALL_CHANNELS = "all"
BLOCK_STATUSES = ("do_not_contact", "contact_allowed")


def not_blank(value):
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


def _tag_name(**kwargs):
    return ma.fields.String(validate=[Length(min=1, max=MAX_TAG_LENGTH), not_blank], **kwargs)


class CustomValue(ma.fields.Raw):
    """One custom field value: a string, number, boolean or null on input; dates go out as ISO text."""

    default_error_messages = {"invalid": "Must be a string, number, boolean or null."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (dict, list)):
            raise self.make_error("invalid")
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if isinstance(value, datetime.date) else value


def _status(description):
    return ma.fields.String(metadata={"enum": list(CONSENT_STATUSES), "description": description})


ConsentStateSchema = ma.Schema.from_dict(
    {channel: _status(f"Consent for {channel}") for channel in CHANNELS}, name="ConsentState")


def consent_state(contact):
    """{channel: status} for ConsentStateSchema."""
    return {channel: contact.consent(channel) for channel in CHANNELS}


_STORED = ("id", *EDITABLE_FIELDS, "do_not_contact", "created_at", "updated_at")


class ContactSchema(ma.Schema.from_dict(
        {name: ma.fields.String() for name in EDITABLE_FIELDS}, name="ContactCoreFields")):
    """A contact as the API returns it: every core field, consent, tags and typed custom values."""

    id = ma.fields.Integer()
    full_name = ma.fields.String()
    email = ma.fields.String(allow_none=True, metadata={"description": "Normalised (lower-case)"})
    mobile = ma.fields.String(allow_none=True, metadata={"description": "E.164, e.g. +989121234567"})
    fax = ma.fields.String(allow_none=True, metadata={"description": "E.164"})
    source = ma.fields.String(metadata={"enum": list(SOURCES)})
    owner_id = ma.fields.Integer(allow_none=True, metadata={"description": "The user who looks after the contact"})
    do_not_contact = ma.fields.Boolean(metadata={"description": "Blocks every channel whatever its consent"})
    consent = ma.fields.Nested(ConsentStateSchema)
    tags = ma.fields.List(ma.fields.String())
    custom_fields = ma.fields.Dict(keys=ma.fields.String(), values=CustomValue(), metadata={
        "description": "{key: value}: numbers as numbers, dates as YYYY-MM-DD, booleans as booleans"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()

    @ma.pre_dump
    def _expand(self, contact, **_kwargs):
        # Lists call load_contact_extras() first (two queries a page); a single contact is read here.
        extras = vars(contact)
        return {
            **{name: getattr(contact, name) for name in _STORED}, "owner_id": contact.owner_id,
            "full_name": contact.full_name,
            "consent": consent_state(contact),
            "tags": extras["tag_names"] if "tag_names" in extras else tags_of(contact),
            "custom_fields": extras["custom_values"] if "custom_values" in extras else values_of(contact),
        }


def load_contact_extras(contacts):
    """Read the tags and custom values of many contacts in two queries, for ContactSchema."""
    by_id = {contact.id: contact for contact in contacts}
    for contact in contacts:
        contact.tag_names, contact.custom_values = [], {}
    if not by_id:
        return contacts
    links = (ContactTag.select(ContactTag.contact, Tag.name).join(Tag)
             .where(ContactTag.contact.in_(list(by_id))).order_by(Tag.name).tuples())
    for contact_id, name in links:
        by_id[contact_id].tag_names.append(name)
    values = (ContactFieldValue.select(ContactFieldValue, CustomField).join(CustomField)
              .where(ContactFieldValue.contact.in_(list(by_id))))
    for row in values:
        by_id[row.contact_id].custom_values[row.field.key] = row.value
    return contacts


def _input_field(name):
    if name in TEXT_FIELDS:
        return ma.fields.String(allow_none=True, validate=Length(max=TEXT_FIELDS[name]))
    if name == "source":
        return ma.fields.String(validate=OneOf(SOURCES),
                                metadata={"description": "How the contact came; defaults to api"})
    # email, phones, country, time zone: loose bounds here, the exact rules in clean_contact_data.
    descriptions = {"email": "Validated and lower-cased", "mobile": "Any common format; E.164 is stored",
                    "fax": "Any common format; E.164 is stored", "country": "ISO 3166-1 alpha-2",
                    "time_zone": "An IANA name, e.g. Asia/Tehran"}
    return ma.fields.String(allow_none=True, validate=Length(max=254), metadata={"description": descriptions[name]})


# Output-only names, with what to do instead, so a client echoing a GET back learns why.
_READ_ONLY = {
    "consent": "Read-only: change consent with POST /api/v1/contacts/<id>/consent.",
    "do_not_contact": "Read-only: set it with POST /api/v1/contacts/<id>/consent, channel \"all\".",
    **{name: "Read-only." for name in ("id", "full_name", "created_at", "updated_at")},
}


class ContactInputSchema(ma.Schema.from_dict({name: _input_field(name) for name in EDITABLE_FIELDS},
                                             name="ContactCoreInput")):
    """A contact to create, or the fields to change (PATCH): every key is optional."""

    owner_id = ma.fields.Integer(allow_none=True, strict=True, validate=Range(min=1, max=MAX_ID))
    tags = ma.fields.List(_tag_name(), validate=Length(max=MAX_TAGS),
                          metadata={"description": "Replaces the contact's tags"})
    custom_fields = ma.fields.Dict(keys=ma.fields.String(validate=Length(max=64)), values=CustomValue(allow_none=True),
                                   metadata={"description": "{key: value}; null removes a value"})

    @ma.pre_load
    def _refuse_read_only(self, data, **_kwargs):
        hits = {name: [_READ_ONLY[name]] for name in data if name in _READ_ONLY} if isinstance(data, dict) else {}
        if hits:
            raise ma.ValidationError(hits)
        return data


# Sort keys of GET /contacts; "-" sorts descending. The id breaks ties, so pages are stable.
CONTACT_SORTS = ("id", "created_at", "updated_at", "last_name", "first_name", "email")


class ContactListArgsSchema(PageArgsSchema.from_dict({
        f"consent_{channel}": ma.fields.String(validate=OneOf(CONSENT_STATUSES), metadata={
            "description": f"Only contacts with this {channel} consent"}) for channel in CHANNELS},
        name="ContactConsentFilters")):
    q = ma.fields.String(validate=Length(max=200), metadata={
        "description": "Search names, email and phone numbers; every word must match (Persian digits work)"})
    tag = ma.fields.List(ma.fields.String(validate=Length(max=MAX_TAG_LENGTH)), metadata={
        "description": "Only contacts with this tag; repeat for contacts with all of them"})
    source = ma.fields.String(validate=OneOf(SOURCES))
    do_not_contact = ma.fields.Boolean()
    updated_since = ma.fields.DateTime(metadata={
        "description": "ISO 8601; without an offset it is read as UTC. For incremental sync"})
    sort = ma.fields.String(load_default="id", validate=OneOf([*CONTACT_SORTS, *(f"-{key}" for key in CONTACT_SORTS)]))


class ConsentChangeSchema(ma.Schema):
    """A consent change: a channel's new status, or channel "all" for the do-not-contact flag."""

    channel = ma.fields.String(required=True, validate=OneOf((*CHANNELS, ALL_CHANNELS)))
    status = ma.fields.String(required=True, validate=OneOf((*CONSENT_STATUSES, *BLOCK_STATUSES)), metadata={
        "description": "A consent status; with channel \"all\": do_not_contact or contact_allowed"})
    wording = ma.fields.String(load_default="", validate=Length(max=10000),
                               metadata={"description": "Exactly what the person was shown or said"})
    detail = ma.fields.String(load_default="", validate=Length(max=255),
                              metadata={"description": "Where it came from: a ticket, a call, a form name"})

    @ma.validates_schema
    def _status_fits_channel(self, data, **_kwargs):
        blocking = data["channel"] == ALL_CHANNELS
        if blocking != (data["status"] in BLOCK_STATUSES):
            expected = " or ".join(BLOCK_STATUSES if blocking else CONSENT_STATUSES)
            raise ma.ValidationError({"status": [f"For channel {data['channel']!r} use {expected}."]})


class ConsentRecordSchema(ma.Schema):
    """One entry of a contact's consent history; entries are never changed or deleted."""

    id = ma.fields.Integer()
    contact_id = ma.fields.Integer()
    channel = ma.fields.String(metadata={"description": "A channel, or \"all\" for do-not-contact"})
    status = ma.fields.String()
    previous_status = ma.fields.String()
    method = ma.fields.String(metadata={"description": "How: api, user, import, form, keyword, merge ..."})
    detail = ma.fields.String()
    wording = ma.fields.String()
    ip = ma.fields.String()
    user_agent = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    created_at = UTCDateTime()


class ConsentChangeResultSchema(ma.Schema):
    changed = ma.fields.Boolean(metadata={"description": "False when the status already was the one asked for"})
    record = ma.fields.Nested(ConsentRecordSchema, allow_none=True)
    consent = ma.fields.Nested(ConsentStateSchema)
    do_not_contact = ma.fields.Boolean()


class TagNamesSchema(ma.Schema):
    tags = ma.fields.List(_tag_name(), required=True, validate=Length(min=1, max=MAX_TAGS))


class MergeSchema(ma.Schema):
    other_id = ma.fields.Integer(required=True, strict=True, validate=Range(min=1, max=MAX_ID), metadata={
        "description": "The contact folded into this one and then deleted"})


class TagSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    contact_count = ma.fields.Integer(metadata={"description": "Contacts with this tag"})
    created_at = UTCDateTime()


class TagInputSchema(ma.Schema):
    name = _tag_name(required=True)


class CustomFieldSchema(ma.Schema):
    id = ma.fields.Integer()
    key = ma.fields.String(metadata={"description": "Used in filters, merge tags, CSV headers and the API"})
    label = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": list(FIELD_KINDS)})
    choices = ma.fields.List(ma.fields.String())
    position = ma.fields.Integer()
    created_at = UTCDateTime()


_CHOICES = ma.fields.List(ma.fields.String(validate=Length(min=1, max=500)), validate=Length(max=200),
                          metadata={"description": "The allowed values of a choice field"})
_POSITION = ma.fields.Integer(strict=True, validate=Range(min=-2**31, max=2**31 - 1),  # a 32-bit column
                              metadata={"description": "Order in forms and lists"})


class CustomFieldCreateSchema(ma.Schema):
    key = ma.fields.String(required=True, validate=Length(min=1, max=64),
                           metadata={"description": "a-z, 0-9 and _, starting with a letter; cannot change later"})
    label = ma.fields.String(validate=Length(max=200))
    kind = ma.fields.String(required=True, validate=OneOf(FIELD_KINDS))
    choices = _CHOICES
    position = _POSITION


class CustomFieldUpdateSchema(ma.Schema):
    """label, choices and position may change; key and kind are accepted only unchanged."""

    label = ma.fields.String(validate=[Length(min=1, max=200), not_blank])
    choices = _CHOICES
    position = _POSITION
    key = ma.fields.String(metadata={"description": "Cannot change: filters, merge tags and CSV headers use it"})
    kind = ma.fields.String(metadata={"description": "Cannot change: values are stored in a column of their type"})


def field_errors(errors):
    """{name: FieldError} from chapar.contacts -> {field: [message]}, custom keys under custom_fields."""
    fields = {}
    for name, error in errors.items():
        if name in EDITABLE_FIELDS:
            fields[name] = [error.message]
        else:
            fields.setdefault("custom_fields", {})[name] = [error.message]
    return fields


def abort_invalid(fields, location="json"):
    """Stop with 422 exactly as a marshmallow validation error would (same message and details)."""
    webargs.flaskparser.abort(422, messages={location: fields})


def get_or_404(source, record_id, what):
    """The row with `record_id` of `source` (a model, or a select on one), or a 404 naming `what`."""
    query = source.select() if isinstance(source, type) else source
    return query.where(query.model.id == record_id).first() or abort(404, f"No {what} {record_id}.")
