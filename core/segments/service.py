"""Saved segments: create, change, delete, count (cached on the row) and list members.

The web UI and the API both go through these functions, so both validate, count and audit alike.
"""
import json

from peewee import IntegrityError

from .. import audit
from ..db import db
from ..errors import FieldError
from ..models import Contact, Segment, utcnow
from .compile import compile_filter
from .validate import FilterInvalid, parse_filter, validate_filter
from .vocabulary import Vocabulary, references_in

MAX_NAME = 200
MAX_DESCRIPTION = 2000
SAMPLE_SIZE = 10


class SegmentInvalid(ValueError):
    """Saving was refused: `errors` maps "name"/"description" to a FieldError, `problems` the filter's."""

    def __init__(self, errors=None, problems=()):
        self.errors = dict(errors or {})
        self.problems = list(problems)
        parts = [err.message for err in self.errors.values()] + [str(p) for p in self.problems]
        super().__init__("; ".join(parts))


def check_name(name, segment_id=None):
    """The tidied name; FieldError when it is empty, too long or taken by another segment."""
    name = " ".join(str(name or "").split())
    if not name:
        raise FieldError("name", "required", "a segment needs a name")
    if "\x00" in name:
        raise FieldError("name", "nul_character", "the name contains a NUL character")
    if len(name) > MAX_NAME:
        raise FieldError("name", "too_long", f"at most {MAX_NAME} characters")
    taken = Segment.select().where(Segment.name == name)
    if segment_id is not None:
        taken = taken.where(Segment.id != segment_id)
    if taken.exists():
        raise FieldError("name", "duplicate", f"a segment named {name!r} already exists")
    return name


def save_segment(name, tree, description="", segment=None, actor=None, via="web"):
    """Create (segment=None) or change a segment, store its filter in normal form and count it.

    Raises SegmentInvalid with every problem found in the name, description and filter.
    """
    segment_id = segment.id if segment is not None else None
    errors, problems = {}, []
    try:
        name = check_name(name, segment_id)
    except FieldError as exc:
        errors["name"] = exc
    description = str(description or "").replace("\x00", "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = FieldError("description", "too_long", f"at most {MAX_DESCRIPTION} characters")
    try:
        cleaned = validate_filter(tree, segment_id)
    except FilterInvalid as exc:
        problems = exc.problems
    if errors or problems:
        raise SegmentInvalid(errors, problems)
    now = utcnow()
    values = {"name": name, "description": description,
              "filter_json": json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))}
    with db.atomic():
        if segment is None:
            segment = Segment(created_by=actor, created_at=now)
        changed = sorted(key for key, value in values.items() if getattr(segment, key) != value)
        for key, value in values.items():
            setattr(segment, key, value)
        segment.updated_at = now
        try:
            segment.save()
        except IntegrityError:  # a concurrent save took the name between the check and now
            raise SegmentInvalid({"name": FieldError("name", "duplicate", "a segment with this name exists")})
        action = "segment.created" if segment_id is None else "segment.changed"
        audit.record(action, actor=actor, target=segment.name, segment_id=segment.id, changed=changed, via=via)
    refresh_count(segment)
    return segment


def filter_of(segment):
    """A saved segment's filter, parsed."""
    return parse_filter(segment.filter_json)


def expression_of(segment, now=None):
    """The peewee expression of a saved segment (FilterInvalid if a field it names has gone)."""
    return compile_filter(filter_of(segment), now=now, segment_id=segment.id)


def matching(tree_or_segment, now=None):
    """A query of the matching contacts, ordered by id (pages by id stay stable)."""
    if isinstance(tree_or_segment, Segment):
        expression = expression_of(tree_or_segment, now)
    else:
        expression = compile_filter(tree_or_segment, now=now)
    return Contact.select().where(expression).order_by(Contact.id)


def member_ids(segment, after=0, limit=None):
    """Ids of the members, ascending, after the id `after` (keyset paging for large segments)."""
    query = Contact.select(Contact.id).where(expression_of(segment) & (Contact.id > after)).order_by(Contact.id)
    return [row[0] for row in (query.limit(limit) if limit else query).tuples()]


def refresh_count(segment):
    """Count the members now and keep the figure on the row with the time it was taken."""
    count = Contact.select().where(expression_of(segment)).count()
    segment.cached_count, segment.counted_at = count, utcnow()
    Segment.update(cached_count=count, counted_at=segment.counted_at).where(Segment.id == segment.id).execute()
    return count


def cached_count(segment, max_age=None):
    """(count, counted_at): the cached figure, recounted when missing or older than `max_age` seconds."""
    stale = segment.counted_at is None or (
        max_age is not None and (utcnow() - segment.counted_at).total_seconds() > max_age)
    if stale:
        refresh_count(segment)
    return segment.cached_count, segment.counted_at


def preview(tree, segment_id=None, sample=SAMPLE_SIZE):
    """{"count", "sample", "filter"} for an unsaved filter; FilterInvalid when it is wrong."""
    vocabulary = Vocabulary()
    cleaned = validate_filter(tree, segment_id, vocabulary)
    expression = compile_filter(cleaned, segment_id=segment_id, vocabulary=vocabulary)
    query = Contact.select().where(expression)
    return {"count": query.count(), "sample": list(query.order_by(Contact.id).limit(sample)), "filter": cleaned}


def dependents(segment):
    """Segments whose filters include `segment` (in_segment or not_in_segment), by name."""
    candidates = Segment.select().where(Segment.filter_json.contains("in_segment") & (Segment.id != segment.id))
    return [other for other in candidates.order_by(Segment.name)
            if segment.id in references_in(json.loads(other.filter_json))]


def delete_segment(segment, actor=None, via="web"):
    """Delete a segment no other segment includes; FieldError("segment", "in_use") otherwise."""
    users = dependents(segment)
    if users:
        names = ", ".join(other.name for other in users)
        raise FieldError("segment", "in_use", f"other segments include this one: {names}")
    with db.atomic():
        segment.delete_instance()
        audit.record("segment.deleted", actor=actor, target=segment.name, segment_id=segment.id, via=via)
