"""Segments in the web UI: the list, a segment's page with its members, recounting and deleting.

Creating and editing — the filter builder — live in segment_editor.py (imported below). Viewers
see everything here and may recount (a count is a cached figure, not data); marketers create and
edit; managers delete (docs/roles.md).
"""
from datetime import timedelta

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from chapar.access import require_role
from chapar.errors import FieldError
from chapar.i18n import current_language, persian_digits
from chapar.models import Contact, Segment, utcnow
from chapar.segments import FilterInvalid, Vocabulary, delete_segment, dependents, filter_of, matching
from chapar.segments import refresh_count

from . import blueprint
from .render import paginate, render, safe_next
from .segment_form import rows_from_filter
from .segment_subjects import MATCH_LABELS, describe, problem_message, subjects

PAGE_SIZE = 50
MEMBERS_PAGE = 50


def segment_or_404(segment_id):
    return Segment.get_or_none(Segment.id == segment_id) or abort(404)


def age(moment):
    """How long ago `moment` (naive UTC) was, in the reader's language: "3 minutes ago"."""
    if moment is None:
        return ""
    elapsed = max(utcnow() - moment, timedelta(0))
    if elapsed < timedelta(minutes=1):
        return _("just now")
    text = format_timedelta(-elapsed, add_direction=True)
    return persian_digits(text) if current_language() == "fa" else text


def contact_url(contact_id):
    """The contact's page, when the contacts pages are installed."""
    if "webui.contact_show" in current_app.view_functions:
        return url_for("webui.contact_show", contact_id=contact_id)
    return None


def page_context(**context):
    """What every segments template may use."""
    return {"age": age, "contact_url": contact_url, "can_edit": current_user.can("marketer"),
            "can_delete": current_user.can("manager"), **context}


@blueprint.route("/segments")
@require_role("viewer")
def segments():
    query = Segment.select().order_by(Segment.name, Segment.id)
    return render("webui/segments/list.html", **page_context(page=paginate(query, per_page=PAGE_SIZE)))


@blueprint.route("/segments/<id:segment_id>")
@require_role("viewer")
def segment_show(segment_id):
    """The segment: its filter in words, its count and age, and its members by id (keyset pages)."""
    segment = segment_or_404(segment_id)
    after = max(request.args.get("after", 0, type=int) or 0, 0)
    members, problems = [], []
    try:
        members = list(matching(segment).where(Contact.id > after).limit(MEMBERS_PAGE + 1))
    except FilterInvalid as exc:  # a custom field or segment it names has been deleted since
        problems = [problem_message(problem) for problem in exc.problems]
    catalogue = subjects(Vocabulary(), segment.id)
    return render("webui/segments/show.html", **page_context(
        segment=segment, rows=rows_from_filter(filter_of(segment)), catalogue=catalogue, describe=describe,
        match_labels=MATCH_LABELS, members=members[:MEMBERS_PAGE], after=after, problems=problems,
        next_after=members[MEMBERS_PAGE - 1].id if len(members) > MEMBERS_PAGE else None,
        dependents=dependents(segment)))


@blueprint.route("/segments/<id:segment_id>/count", methods=["POST"])
@require_role("viewer")
def segment_recount(segment_id):
    """Count again now. htmx swaps the figure in place; without it, back to where the button was."""
    segment = segment_or_404(segment_id)
    try:
        refresh_count(segment)
    except FilterInvalid as exc:
        flash(_("This segment cannot be counted: %(problem)s", problem=problem_message(exc.problems[0])), "error")
    back = safe_next(request.form.get("next"), "webui.segments")
    if request.headers.get("HX-Request") and request.headers.get("HX-Target", "").startswith("segment-count-"):
        return render("webui/segments/_count.html", **page_context(segment=segment, next_url=back))
    return redirect(back)


@blueprint.route("/segments/<id:segment_id>/delete", methods=["POST"])
@require_role("manager")
def segment_delete(segment_id):
    segment = segment_or_404(segment_id)
    try:
        delete_segment(segment, actor=current_user._get_current_object())
    except FieldError:
        names = ", ".join(other.name for other in dependents(segment))
        flash(_("%(name)s is included in other segments (%(names)s). Change those first.", name=segment.name,
                names=names), "error")
        return redirect(url_for("webui.segment_show", segment_id=segment.id))
    flash(_("Deleted the segment %(name)s.", name=segment.name), "ok")
    return redirect(url_for("webui.segments"))


from . import segment_editor  # noqa: E402,F401 - attaches the builder's routes
