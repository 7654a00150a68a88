"""/api/v1/tags: tags (which are also static lists) with how many contacts carry each.

Tagging a contact is under /api/v1/contacts/<id>/tags; here tags themselves are listed, created,
renamed and deleted.
"""
import marshmallow as ma
from flask import g, url_for
from flask_smorest import Blueprint
from marshmallow.validate import Length
from peewee import JOIN, IntegrityError, fn

from .. import audit
from ..access import require_role
from ..contacts.tags import clean_tag_names
from ..db import db
from ..models import ContactTag, Tag
from .contact_schemas import LOCATION_HEADER, TagInputSchema, TagSchema, get_or_404
from .errors import abort
from .pagination import PAGE_HEADERS, PageArgsSchema, page_of, paginate

blp = Blueprint("tags", __name__, url_prefix="/tags", description="Tags, also used as static lists")


class TagListArgsSchema(PageArgsSchema):
    q = ma.fields.String(validate=Length(max=100), metadata={"description": "Only tags whose name contains this"})


def _tags():
    count = fn.COUNT(ContactTag.contact).alias("contact_count")
    return (Tag.select(Tag.id, Tag.name, Tag.created_at, count)
            .join(ContactTag, JOIN.LEFT_OUTER, on=(ContactTag.tag == Tag.id))
            .group_by(Tag.id, Tag.name, Tag.created_at))


def _tag_or_404(tag_id):
    return get_or_404(_tags(), tag_id, "tag")


def _clean_name(name):
    # The same normalisation as tagging a contact (spaces collapsed), so both find one tag.
    return clean_tag_names([name])[0]


def _save_name(name, tag=None):
    """Store `name` on `tag` (a new tag when None), answering 409 when another tag has it already."""
    others = Tag.select(Tag.id).where(Tag.name == name)
    if tag is not None:
        others = others.where(Tag.id != tag.id)
    taken = others.first()
    if taken is not None:
        abort(409, f"A tag named {name!r} exists already.", details={"tag_id": taken.id})
    tag = tag or Tag()
    tag.name = name
    try:
        with db.atomic():
            tag.save()
    except IntegrityError:  # created by a concurrent request after our check
        abort(409, f"A tag named {name!r} exists already.")
    return tag


@blp.route("", methods=["GET"])
@require_role("viewer")
@blp.arguments(TagListArgsSchema, location="query")
@blp.response(200, page_of(TagSchema), headers=PAGE_HEADERS)
def list_tags(args):
    """List tags

    By name, each with the number of contacts that carry it.
    """
    query = _tags().order_by(Tag.name, Tag.id)
    if args.get("q"):
        query = query.where(Tag.name.contains(args["q"]))
    return paginate(query, args)


@blp.route("", methods=["POST"])
@require_role("marketer")
@blp.arguments(TagInputSchema)
@blp.response(201, TagSchema, headers=LOCATION_HEADER)
def create_tag(data):
    """Create a tag

    Runs of spaces in the name become one. A name that exists already answers 409.
    """
    tag = _save_name(_clean_name(data["name"]))
    return _tag_or_404(tag.id), {"Location": url_for("tags.get_tag", tag_id=tag.id)}


@blp.route("/<id:tag_id>", methods=["GET"])
@require_role("viewer")
@blp.response(200, TagSchema)
def get_tag(tag_id):
    """Get a tag"""
    return _tag_or_404(tag_id)


@blp.route("/<id:tag_id>", methods=["PATCH"])
@require_role("marketer")
@blp.arguments(TagInputSchema)
@blp.response(200, TagSchema)
def rename_tag(data, tag_id):
    """Rename a tag

    Its contacts keep it. Segments refer to tags by name: check them after a rename.
    """
    _save_name(_clean_name(data["name"]), _tag_or_404(tag_id))
    return _tag_or_404(tag_id)


@blp.route("/<id:tag_id>", methods=["DELETE"])
@require_role("manager")
@blp.response(204)
def delete_tag(tag_id):
    """Delete a tag

    Removes it from every contact (the contacts stay). Recorded in the audit log.
    """
    tag = _tag_or_404(tag_id)
    with db.atomic():
        ContactTag.delete().where(ContactTag.tag == tag.id).execute()
        Tag.delete().where(Tag.id == tag.id).execute()
    audit.record("tag.deleted", actor=g.api_user, target=tag.name, contacts=tag.contact_count, via="api")

