"""Exporting contacts as CSV: everyone, a segment, or a selection from the contacts list.

Exports hold personal data, so they need a manager (see docs/roles.md) and each one is written
to the audit log. The file is streamed a batch at a time (chapar.contacts.export), so its size
does not matter to the server.
"""
from flask import Response, abort, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from chapar.access import require_role
from chapar.audit import record
from chapar.contacts.export import contacts_matching, export_csv
from chapar.models import Contact, Segment, utcnow

from . import blueprint
from .render import render


def _segment_or_404(segment_id):
    segment = Segment.get_or_none(Segment.id == segment_id)
    if segment is None:
        abort(404)
    return segment


def _download(expression, scope, name):
    record("contacts.exported", actor=current_user, target=scope, via="web")
    filename = f"{name}-{utcnow():%Y-%m-%d}.csv"
    return Response(stream_with_context(export_csv(contacts_matching(expression))),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@blueprint.route("/contacts/export")
@require_role("manager")
def contacts_export():
    segments = list(Segment.select(Segment.id, Segment.name, Segment.cached_count).order_by(Segment.name))
    return render("webui/imports/export.html", segments=segments, total=Contact.select().count())


@blueprint.route("/contacts/export.csv", methods=["GET"])
@require_role("manager")
def contacts_export_csv():
    """Everyone, or the members of ?segment=<id>."""
    segment_id = request.args.get("segment", type=int)
    if segment_id is None:
        return _download(None, "all contacts", "contacts")
    from chapar.segments import FilterInvalid, expression_of

    segment = _segment_or_404(segment_id)
    try:
        expression = expression_of(segment)
    except FilterInvalid:
        abort(409, description=_("This segment's filter names a field that no longer exists; edit the segment first."))
    return _download(expression, f"segment #{segment.id}", f"segment-{segment.id}")


@blueprint.route("/contacts/export.csv", methods=["POST"])
@require_role("manager")
def contacts_export_selection():
    """The contacts ticked on the contacts list, or all it matches: its bulk form posts here."""
    from .contacts_bulk import Selection

    selection = Selection(request.form)
    if selection.empty:
        abort(400, description=_("Tick at least one contact to export, or choose all matching."))
    scope = f"filter {selection.filter_query}" if selection.everything else f"{len(selection.ids)} ticked contacts"
    return _download(Contact.id.in_(selection.query()), scope, "contacts")
