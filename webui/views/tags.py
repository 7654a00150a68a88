"""The Tags page: every tag with how many contacts carry it; rename (or merge) and delete.

Everyone reads it; marketers rename, managers delete (as through the API).

Renaming a tag to the name of another merges the two: the contacts of both end up with the
other tag, which is what someone tidying "VIP" and "vip" wants.
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from peewee import Value, fn

from chapar.access import require_role
from chapar.audit import record
from chapar.contacts.tags import clean_tag_names
from chapar.db import db
from chapar.models import ContactTag, Tag

from . import blueprint
from .render import paginate, render
from .shell import format_number

PAGE_SIZE = 50


def _contact_count():
    """The number of contacts carrying each tag, read off the (tag, contact) index per row shown."""
    return (ContactTag.select(fn.COUNT(ContactTag.contact)).where(ContactTag.tag == Tag.id)).alias("contact_count")


def _tag_or_404(tag_id):
    return Tag.select(Tag, _contact_count()).where(Tag.id == tag_id).first() or abort(404)


@blueprint.route("/tags")
@require_role("viewer")
def tags():
    q = " ".join(request.args.get("q", "").split())
    query = Tag.select(Tag, _contact_count()).order_by(Tag.name)
    if q:
        query = query.where(Tag.name.contains(q))
    return render("webui/contacts/tags.html", page=paginate(query, per_page=PAGE_SIZE), q=q,
                  can_edit=current_user.can("marketer"), can_delete=current_user.can("manager"))


@blueprint.route("/tags/<id:tag_id>/rename", methods=["POST"])
@require_role("marketer")
def tag_rename(tag_id):
    tag = _tag_or_404(tag_id)
    try:
        names = clean_tag_names([request.form.get("name", "")])
    except ValueError:
        names = []
    if not names:
        flash(_("Type a new name of 1 to 100 characters."), "error")
        return redirect(url_for("webui.tags"))
    name = names[0]
    other = Tag.get_or_none((Tag.name == name) & (Tag.id != tag.id))
    if other is None:
        Tag.update(name=name).where(Tag.id == tag.id).execute()
        flash(_("Renamed “%(old)s” to “%(new)s”.", old=tag.name, new=name), "ok")
        return redirect(url_for("webui.tags"))
    with db.atomic():
        moved = ContactTag.select(ContactTag.contact, Value(other.id)).where(ContactTag.tag == tag.id)
        ContactTag.insert_from(moved, [ContactTag.contact, ContactTag.tag]).on_conflict_ignore().execute()
        Tag.delete().where(Tag.id == tag.id).execute()
    record("tag.merged", actor=current_user, target=other.name, merged=tag.name, contacts=tag.contact_count)
    flash(_("Merged “%(old)s” into “%(new)s”: its contacts now carry “%(new)s”.", old=tag.name, new=other.name), "ok")
    return redirect(url_for("webui.tags"))


@blueprint.route("/tags/<id:tag_id>/delete", methods=["GET", "POST"])
@require_role("manager")  # like DELETE /api/v1/tags/<id>: a tag may be a list someone relies on
def tag_delete(tag_id):
    tag = _tag_or_404(tag_id)
    if request.method != "POST":
        return render("webui/contacts/tag_delete.html", tag=tag)
    with db.atomic():
        ContactTag.delete().where(ContactTag.tag == tag.id).execute()
        Tag.delete().where(Tag.id == tag.id).execute()
    record("tag.deleted", actor=current_user, target=tag.name, contacts=tag.contact_count)
    flash(ngettext("Deleted the tag “%(tag)s”; %(count)s contact no longer carries it.",
                   "Deleted the tag “%(tag)s”; %(count)s contacts no longer carry it.", tag.contact_count,
                   tag=tag.name, count=format_number(tag.contact_count)), "ok")
    return redirect(url_for("webui.tags"))
