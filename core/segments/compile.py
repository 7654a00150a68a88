"""Compiling a filter into one peewee expression on Contact. No input ever becomes SQL text.

Every compiled condition is TRUE or FALSE, never NULL: nullable columns are guarded with IS NOT
NULL, and tags, custom fields and plugin filters are `Contact.id IN (subquery of contact ids)`.
So "not" is plain negation, "ne" is exactly "not eq", and a contact without a value matches
`ne`/`not_in`/`is_empty` but never `eq`/`gt`/`contains`. The subqueries walk the indexes on
(tag, contact) and (field, value), which keeps a three-condition filter with a tag fast.

contains/starts_with are case-insensitive (ILIKE on PostgreSQL, LIKE on SQLite, which folds
ASCII letters only; Persian has no case) and peewee escapes % and _ in the value.
"""
import datetime
import operator
from functools import reduce

from ..models import Contact, ContactFieldValue, ContactTag, Tag, utcnow
from ..models.custom_field import VALUE_COLUMN
from .validate import FilterInvalid, Problem, validate_filter
from .vocabulary import Vocabulary

# Never-NULL constants for empty groups: all of nothing is everyone, any of nothing is no one.
TRUE = Contact.id.is_null(False)
FALSE = Contact.id.is_null(True)
_NEGATIVE = {"ne": "eq", "not_in": "in", "is_not_empty": "is_empty", "lacks_tag": "has_tag",
             "not_in_segment": "in_segment"}
_DAY = datetime.timedelta(days=1)


def compile_filter(tree, now=None, segment_id=None, vocabulary=None):
    """The peewee expression selecting the contacts `tree` matches; FilterInvalid when it is wrong.

    `now` (naive UTC) anchors "within N days" so one filter uses one instant throughout.
    """
    vocabulary = vocabulary or Vocabulary()
    cleaned = validate_filter(tree, segment_id, vocabulary)
    return _Compiler(vocabulary, now or utcnow()).node(cleaned)


def _start_of(day):
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time())


def _compare(column, op, value):
    """column <op> value for the operators every kind shares."""
    if op == "eq":
        return column == value
    if op == "in":
        return column.in_(value)
    if op == "contains":
        return column.contains(value)
    if op == "starts_with":
        return column.startswith(value)
    if op == "between":
        return column.between(value[0], value[1])
    return {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}[op](column, value)


class _Compiler:
    def __init__(self, vocabulary, now):
        self.vocabulary = vocabulary
        self.now = now
        self.segments = {}  # segment id -> expression, so a segment named twice compiles once

    def node(self, node):
        if "all" in node:
            return reduce(operator.and_, map(self.node, node["all"])) if node["all"] else TRUE
        if "any" in node:
            return reduce(operator.or_, map(self.node, node["any"])) if node["any"] else FALSE
        if "not" in node:
            return ~self.node(node["not"])
        if node["op"] in _NEGATIVE:
            return ~self.node({**node, "op": _NEGATIVE[node["op"]]})
        if "field" in node:
            spec = self.vocabulary.field(node["field"])
            if spec.custom_id:
                return self.custom(spec, node["op"], node.get("value"))
            if spec.kind == "datetime":
                return self.moment(getattr(Contact, spec.column), node["op"], node["value"])
            return self.core(spec, node["op"], node.get("value"))
        return self.contact(node["op"], node.get("value"))

    def core(self, spec, op, value):
        column = getattr(Contact, spec.column)
        if op == "is_empty":
            if spec.kind == "reference":
                return column.is_null()
            return (column.is_null() | (column == "")) if spec.nullable else column == ""
        condition = _compare(column, op, value)
        return (column.is_null(False) & condition) if spec.nullable else condition

    def moment(self, column, op, value):
        """Datetime columns (UTC): days are whole UTC days, "within N days" counts back from now."""
        if op == "within_days":
            return column >= self.now - datetime.timedelta(days=value)
        if op == "older_than_days":
            return column < self.now - datetime.timedelta(days=value)
        if op == "between":
            return (column >= _start_of(value[0])) & (column < _start_of(value[1]) + _DAY)
        start = _start_of(value)
        return {"eq": (column >= start) & (column < start + _DAY), "gt": column >= start + _DAY,
                "gte": column >= start, "lt": column < start, "lte": column < start + _DAY}[op]

    def custom(self, spec, op, value):
        """Custom fields live in ContactFieldValue, one typed column per kind (indexed with field)."""
        column = getattr(ContactFieldValue, VALUE_COLUMN[spec.kind])
        if op == "is_empty":
            filled = column.is_null(False)
            if spec.kind in ("text", "choice"):
                filled &= column != ""
            return ~self.having(spec, filled)
        if spec.kind == "date":
            value = ([datetime.date.fromisoformat(v) for v in value] if isinstance(value, list)
                     else datetime.date.fromisoformat(value))
        return self.having(spec, _compare(column, op, value))

    @staticmethod
    def having(spec, condition):
        rows = ContactFieldValue.select(ContactFieldValue.contact).where(
            (ContactFieldValue.field == spec.custom_id) & condition)
        return Contact.id.in_(rows)

    def contact(self, op, value):
        if op == "has_tag":
            tag = Tag.select(Tag.id).where(Tag.name == value)
            return Contact.id.in_(ContactTag.select(ContactTag.contact).where(ContactTag.tag == tag))
        if op == "in_segment":
            return self.segment(value)
        return self.vocabulary.plugin_filter(op).build(value, Contact.id, self.now)

    def segment(self, segment_id):
        if segment_id not in self.segments:
            stored = self.vocabulary.stored_filter(segment_id)
            if stored is None:
                raise FilterInvalid([Problem("", "unknown_segment", f"no segment {segment_id}",
                                             {"segment": segment_id})])
            try:
                cleaned = validate_filter(stored, segment_id, self.vocabulary)
            except FilterInvalid as exc:  # its paths are inside that segment: name the segment instead
                name = self.vocabulary.segment_name(segment_id)
                raise FilterInvalid([Problem("", "invalid_segment", f"the included segment {name!r} needs fixing: "
                                             f"{exc}", {"segment": name})]) from None
            self.segments[segment_id] = self.node(cleaned)
        return self.segments[segment_id]
