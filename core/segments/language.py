"""The vocabulary of the segment filter language: operators, value kinds, core fields and limits.

A filter is a tree of JSON objects (documented in docs/segments.md):

    {"all": [...]}  {"any": [...]}  {"not": {...}}                       groups
    {"field": "city", "op": "eq", "value": "Tehran"}                      a field condition
    {"field": "custom.score", "op": "gte", "value": 50}                   a custom field (typed by its kind)
    {"field": "consent.email", "op": "eq", "value": "subscribed"}        consent for a channel
    {"op": "has_tag", "value": "vip"}   {"op": "in_segment", "value": 3}  contact conditions
    {"op": "<plugin filter>", "value": ...}                              see SegmentFilter

Everything here is data, so the validator, the compiler, the API's documentation and the web UI's
builder all read the same tables.
"""
from dataclasses import dataclass

from ..models import CHANNELS, CONSENT_STATUSES, SOURCES

# Hostile-input limits: deep trees, huge trees and huge lists are refused before any query runs.
MAX_DEPTH = 10
MAX_NODES = 200
MAX_LIST = 1000
MAX_TEXT = 500
MAX_DAYS = 36500
MAX_REFERENCE_DEPTH = 5  # in_segment chains: A includes B includes C ...
MAX_PROBLEMS = 20  # report this many problems at most; the rest would only repeat

GROUPS = ("all", "any", "not")

# How many values each operator takes: "one", "list" (in/not_in), "pair" (between) or "none".
ARITY = {
    "eq": "one", "ne": "one", "contains": "one", "starts_with": "one",
    "gt": "one", "gte": "one", "lt": "one", "lte": "one",
    "in": "list", "not_in": "list", "between": "pair",
    "is_empty": "none", "is_not_empty": "none",
    "within_days": "one", "older_than_days": "one",
}
# Operators on contacts rather than on a field: {"op": ..., "value": ...} without "field".
CONTACT_OPS = {"has_tag": "tag", "lacks_tag": "tag", "in_segment": "segment", "not_in_segment": "segment"}

_EQUALITY = ("eq", "ne", "in", "not_in")
_EMPTINESS = ("is_empty", "is_not_empty")
_ORDER = ("gt", "gte", "lt", "lte", "between")
# Which operators each kind of field accepts, in the order the builder offers them.
OPS_BY_KIND = {
    "text": ("eq", "ne", "contains", "starts_with", "in", "not_in") + _EMPTINESS,
    "choice": _EQUALITY + _EMPTINESS,
    "number": ("eq", "ne") + _ORDER + ("in", "not_in") + _EMPTINESS,
    "date": ("eq", "ne") + _ORDER + _EMPTINESS,
    "datetime": ("within_days", "older_than_days", "eq") + _ORDER,
    "boolean": ("eq", "ne") + _EMPTINESS,
    "reference": _EQUALITY + _EMPTINESS,
}
# The kind of one value an operator takes when it differs from the field's kind.
DAYS_OPS = ("within_days", "older_than_days")
ALL_OPS = tuple(ARITY) + tuple(CONTACT_OPS)


@dataclass(frozen=True)
class FieldSpec:
    """A field a condition can name: `name` as written in filters, its kind and operators."""

    name: str
    kind: str
    column: str = ""  # the Contact column; "" for custom fields
    nullable: bool = False
    choices: tuple = ()
    ops: tuple = ()
    custom_id: int = 0  # CustomField.id for "custom.<key>"
    label: str = ""  # custom fields carry their admin-given label

    @property
    def operators(self):
        return self.ops or OPS_BY_KIND[self.kind]


_TEXT = ("first_name", "last_name", "company", "job_title", "city", "region", "postal_code", "country",
         "address_line1", "address_line2", "language", "time_zone",
         "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

CORE_FIELDS = {spec.name: spec for spec in (
    FieldSpec("email", "text", "email", nullable=True),
    FieldSpec("mobile", "text", "mobile", nullable=True),
    FieldSpec("fax", "text", "fax", nullable=True),
    *(FieldSpec(name, "text", name) for name in _TEXT),
    FieldSpec("source", "choice", "source", choices=SOURCES, ops=_EQUALITY),
    FieldSpec("owner", "reference", "owner", nullable=True),
    FieldSpec("do_not_contact", "boolean", "do_not_contact", ops=("eq",)),
    FieldSpec("created_at", "datetime", "created_at"),
    FieldSpec("updated_at", "datetime", "updated_at"),
    *(FieldSpec(f"consent.{channel}", "choice", f"consent_{channel}", choices=CONSENT_STATUSES, ops=_EQUALITY)
      for channel in CHANNELS),
)}

CUSTOM_PREFIX = "custom."


def custom_field_spec(field):
    """The FieldSpec of a CustomField row."""
    return FieldSpec(f"{CUSTOM_PREFIX}{field.key}", field.kind, nullable=True, choices=tuple(field.choices),
                     custom_id=field.id, label=field.label)
