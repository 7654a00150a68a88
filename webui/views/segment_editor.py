"""Creating and editing a segment with the filter builder.

The page is one form. Without JavaScript every button (add, remove, update count, save) posts it
back to the page, which re-renders the builder. With htmx, structural changes post to
/segments/builder (the builder swaps in place) and typing posts to /segments/preview (the count,
the sample and each row's errors update, out of band, without touching what is being typed).
"""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from chapar.access import require_role
from chapar.models import Tag
from chapar.segments import FilterInvalid, SegmentInvalid, Vocabulary, filter_of, preview, save_segment
from chapar.segments.service import MAX_DESCRIPTION

from . import blueprint
from .render import render
from .segment_form import (ROOT, apply_action, empty_group, filter_from_rows, new_condition, row_problems,
                           rows_from_filter, rows_from_form)
from .segment_subjects import MATCH_LABELS, grouped, problem_message, subjects
from .segments import page_context, segment_or_404

MAX_TAG_SUGGESTIONS = 200


def field_message(name, error):
    """A translated message for a FieldError on the segment's name or description."""
    if name == "description":
        return _("Keep the description under %(count)s characters.", count=MAX_DESCRIPTION)
    messages = {"required": _("Give the segment a name."), "too_long": _("Keep the name under 200 characters."),
                "duplicate": _("Another segment has this name."),
                "nul_character": _("Remove the invisible NUL character.")}
    return messages.get(error.code, error.message)


def row_ids(row, row_id=ROOT):
    """Every row id of the tree as it will be rendered, in order."""
    ids = [row_id]
    for index, child in enumerate(row.get("children", ())):
        ids.extend(row_ids(child, f"{row_id}-{index}"))
    return ids


def live_state(root, catalogue, segment_id):
    """The preview of what is finished so far: count, sample and each row's problems."""
    tree, paths, blanks = filter_from_rows(root, catalogue, skip_blank=True)
    state = {"count": None, "sample": [], "blanks": blanks, "row_errors": {}, "general": []}
    try:
        shown = preview(tree, segment_id=segment_id)
    except FilterInvalid as exc:
        add_problems(state, exc.problems, paths)
    else:
        state.update(count=shown["count"], sample=shown["sample"])
    return state


def add_problems(state, problems, paths):
    by_row, general = row_problems(problems, paths)
    for row_id, found in by_row.items():
        state["row_errors"].setdefault(row_id, []).extend(problem_message(p) for p in found)
    state["general"].extend(problem_message(p) for p in general)


def builder_context(root, catalogue, segment, state, **extra):
    return page_context(
        root=root, catalogue=catalogue, groups=grouped(catalogue), segment=segment, state=state,
        match_labels=MATCH_LABELS, ids=row_ids(root),
        tags=[t.name for t in Tag.select(Tag.name).order_by(Tag.name).limit(MAX_TAG_SUGGESTIONS)], **extra)


def default_subject(catalogue):
    return catalogue.get("city") or next(iter(catalogue.values()))


def posted_segment_id():
    """The segment being edited, as the builder's hidden field says (None for a new one)."""
    value = request.form.get("segment_id", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@blueprint.route("/segments/new", methods=["GET", "POST"])
@require_role("marketer")
def segment_new():
    return editor(None)


@blueprint.route("/segments/<id:segment_id>/edit", methods=["GET", "POST"])
@require_role("marketer")
def segment_edit(segment_id):
    return editor(segment_or_404(segment_id))


def editor(segment):
    segment_id = segment.id if segment is not None else None
    catalogue = subjects(Vocabulary(), segment_id)
    errors = {}
    if request.method != "POST":
        values = {"name": segment.name if segment else "", "description": segment.description if segment else ""}
        if segment is not None:
            root = rows_from_filter(filter_of(segment))
        else:
            root = {**empty_group(), "children": [new_condition(default_subject(catalogue))]}
        state = live_state(root, catalogue, segment_id)
        return render("webui/segments/form.html", **builder_context(root, catalogue, segment, state, values=values,
                                                                    errors=errors))
    values = {key: request.form.get(key, "") for key in ("name", "description")}
    root = rows_from_form(request.form)
    action = request.form.get("action", "save")
    if action != "save":  # a builder button, without JavaScript
        root = apply_action(root, action, default_subject(catalogue))
        state = live_state(root, catalogue, segment_id)
        return render("webui/segments/form.html", **builder_context(root, catalogue, segment, state, values=values,
                                                                    errors=errors))
    tree, paths, _blanks = filter_from_rows(root, catalogue)
    try:
        saved = save_segment(values["name"], tree, values["description"], segment=segment,
                             actor=current_user._get_current_object())
    except SegmentInvalid as exc:
        errors = {name: field_message(name, err) for name, err in exc.errors.items()}
        state = live_state(root, catalogue, segment_id)
        state["row_errors"], state["general"] = {}, []
        add_problems(state, exc.problems, paths)
        return render("webui/segments/form.html", status=422, **builder_context(
            root, catalogue, segment, state, values=values, errors=errors))
    flash(_("Saved the segment %(name)s.", name=saved.name), "ok")
    return redirect(url_for("webui.segment_show", segment_id=saved.id))


@blueprint.route("/segments/builder", methods=["POST"])
@require_role("marketer")
def segment_builder():
    """htmx: the builder after a structural change (add, remove, another field or comparison)."""
    segment_id = posted_segment_id()
    catalogue = subjects(Vocabulary(), segment_id)
    root = apply_action(rows_from_form(request.form), request.form.get("action", ""), default_subject(catalogue))
    state = live_state(root, catalogue, segment_id)
    segment = segment_or_404(segment_id) if segment_id else None
    return render("webui/segments/_builder_response.html",
                  **builder_context(root, catalogue, segment, state))


@blueprint.route("/segments/preview", methods=["POST"])
@require_role("marketer")
def segment_preview():
    """htmx: the count, sample and row errors for the builder as it stands, while typing."""
    segment_id = posted_segment_id()
    catalogue = subjects(Vocabulary(), segment_id)
    root = rows_from_form(request.form)
    state = live_state(root, catalogue, segment_id)
    return render("webui/segments/_preview_response.html",
                  **page_context(state=state, ids=row_ids(root), root=root, segment=None))
