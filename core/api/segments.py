"""/api/v1/segments: saved dynamic segments, their counts and members, and previews of filters.

Roles: viewers read (lists, counts, members, previews: none of them changes data), marketers create
and change, managers delete. A filter that is refused answers 422 `validation_failed`, with every
problem naming its condition by path in `details.fields.filter` and `details.problems`.
"""
from flask import g, url_for
from flask_smorest import Blueprint

from ..access import require_role
from ..models import Segment
from ..segments import (FilterInvalid, SegmentInvalid, cached_count, delete_segment, dependents, filter_of, matching,
                        preview, refresh_count, save_segment)
from .errors import abort
from .pagination import PAGE_HEADERS, PageArgsSchema, page_of, paginate
from .segment_schemas import (CountArgsSchema, CountSchema, MemberSchema, PreviewResultSchema, PreviewSchema,
                              SegmentCreateSchema, SegmentListArgsSchema, SegmentSchema, SegmentUpdateSchema)

blp = Blueprint("segments", __name__, url_prefix="/segments", description="Dynamic segments of contacts")

_LOCATION = {"Location": {"description": "The new segment's URL", "schema": {"type": "string"}}}
MAX_ID = 2 ** 31 - 1


def _segment_or_404(segment_id):
    segment = Segment.get_or_none(Segment.id == segment_id) if segment_id <= MAX_ID else None
    if segment is None:
        abort(404, f"No segment {segment_id}.")
    return segment


def _refuse(problems=(), errors=None):
    """422 with the filter's problems (by path) and the other fields' errors, in the API's shape."""
    fields = {name: [err.message] for name, err in (errors or {}).items()}
    if problems:
        fields["filter"] = [str(problem) for problem in problems]
    summary = "; ".join(f"{name}: {messages[0]}" if name != "filter" else messages[0]
                        for name, messages in fields.items())
    details = {"location": "json", "fields": fields}
    if problems:
        details["problems"] = [problem.as_dict() for problem in problems]
    abort(422, f"Invalid input. {summary}", details=details)


def _save(data, segment=None):
    try:
        return save_segment(data["name"], data["filter"], data.get("description", ""), segment=segment,
                            actor=g.api_user, via="api")
    except SegmentInvalid as exc:
        duplicate = exc.errors.get("name")
        if duplicate is not None and duplicate.code == "duplicate" and len(exc.errors) == 1 and not exc.problems:
            abort(409, f"A segment named {data['name']!r} exists already.")
        _refuse(exc.problems, exc.errors)


def _compiled(call, *args):
    """Run a query of a saved segment whose filter may have gone stale (a custom field deleted)."""
    try:
        return call(*args)
    except FilterInvalid as exc:
        abort(409, f"This segment's filter is no longer valid: {exc}",
              details={"problems": [problem.as_dict() for problem in exc.problems]})


@blp.route("", methods=["GET"])
@require_role("viewer")
@blp.arguments(SegmentListArgsSchema, location="query")
@blp.response(200, page_of(SegmentSchema), headers=PAGE_HEADERS)
def list_segments(args):
    """List segments

    By name, each with its cached count and when it was taken.
    """
    query = Segment.select().order_by(Segment.name, Segment.id)
    if args["q"]:
        query = query.where(Segment.name.contains(args["q"]))
    return paginate(query, args)


@blp.route("", methods=["POST"])
@require_role("marketer")
@blp.arguments(SegmentCreateSchema)
@blp.response(201, SegmentSchema, headers=_LOCATION)
def create_segment(data):
    """Create a segment

    The filter is validated (422 names each wrong condition by path), stored in normal form and
    counted at once.
    """
    segment = _save(data)
    return segment, {"Location": url_for("segments.get_segment", segment_id=segment.id)}


@blp.route("/preview", methods=["POST"])
@require_role("viewer")
@blp.arguments(PreviewSchema)
@blp.response(200, PreviewResultSchema)
def preview_filter(data):
    """Preview a filter

    How many contacts an unsaved filter matches and the first few of them. Reads only.
    """
    try:
        return preview(data["filter"], segment_id=data["segment_id"], sample=data["sample"])
    except FilterInvalid as exc:
        _refuse(exc.problems)


@blp.route("/<id:segment_id>", methods=["GET"])
@require_role("viewer")
@blp.response(200, SegmentSchema)
def get_segment(segment_id):
    """Get a segment"""
    return _segment_or_404(segment_id)


@blp.route("/<id:segment_id>", methods=["PATCH"])
@require_role("marketer")
@blp.arguments(SegmentUpdateSchema)
@blp.response(200, SegmentSchema)
def update_segment(data, segment_id):
    """Change a segment

    Send any of name, description and filter; a new filter is validated and counted.
    """
    segment = _segment_or_404(segment_id)
    current = {"name": segment.name, "description": segment.description, "filter": filter_of(segment)}
    return _save({**current, **data}, segment)


@blp.route("/<id:segment_id>", methods=["DELETE"])
@require_role("manager")
@blp.response(204)
def remove_segment(segment_id):
    """Delete a segment

    Refused with 409 while other segments include it (in_segment / not_in_segment).
    """
    segment = _segment_or_404(segment_id)
    users = dependents(segment)
    if users:
        abort(409, f"Other segments include this one: {', '.join(other.name for other in users)}.",
              details={"segments": [{"id": other.id, "name": other.name} for other in users]})
    delete_segment(segment, actor=g.api_user, via="api")


@blp.route("/<id:segment_id>/count", methods=["GET"])
@require_role("viewer")
@blp.arguments(CountArgsSchema, location="query")
@blp.response(200, CountSchema)
def count_segment(args, segment_id):
    """Count a segment's members

    The cached figure and when it was taken; `refresh=true` counts now, `max_age=N` counts now
    when the cached figure is older than N seconds.
    """
    segment = _segment_or_404(segment_id)
    if args["refresh"]:
        _compiled(refresh_count, segment)
    count, counted_at = _compiled(cached_count, segment, args["max_age"])
    return {"count": count, "counted_at": counted_at}


@blp.route("/<id:segment_id>/members", methods=["GET"])
@require_role("viewer")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(MemberSchema), headers=PAGE_HEADERS)
def list_members(args, segment_id):
    """List a segment's members

    The contacts the filter matches now, by id.
    """
    segment = _segment_or_404(segment_id)
    return paginate(_compiled(matching, segment), args)
