"""/api/v1/content: the content library, reusable content for one channel that programs copy in
(POST a program with `content_item_id`).

Content is checked like a program's (chapar.programs.clean_variants: the channel's fields, their
lengths, merge-tag mistakes with their line). Roles: viewers read, marketers write.
"""

import marshmallow as ma
from flask import g, url_for
from flask_smorest import Blueprint
from marshmallow.validate import Length

from ..access import require_role
from ..errors import ValidationFailed
from ..models import ContentItem
from ..programs.library import delete_content_item, save_content_item
from .campaign_schemas import field_messages
from .contact_schemas import LOCATION_HEADER, abort_invalid, get_or_404
from .pagination import PAGE_HEADERS, PageArgsSchema, page_of, paginate
from .program_schemas import VARIANTS_DOC, VARIANTS_EXAMPLE
from .schemas import UTCDateTime

blp = Blueprint("content", __name__, url_prefix="/content", description="The content library")


class ContentSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    channel = ma.fields.String()
    description = ma.fields.String()
    variants = ma.fields.Raw(metadata={"description": VARIANTS_DOC, "type": "object"})
    created_by_id = ma.fields.Integer(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class ContentUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=Length(min=1, max=200))
    channel = ma.fields.String(validate=Length(min=1, max=40), metadata={"description": "A channel identifier"})
    description = ma.fields.String(validate=Length(max=10_000))
    variants = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(), metadata={
        "description": VARIANTS_DOC, "example": VARIANTS_EXAMPLE})

    @ma.validates("name")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ma.ValidationError("Must not be blank.")


class ContentCreateSchema(ContentUpdateSchema):
    name = ma.fields.String(required=True, validate=Length(min=1, max=200))
    channel = ma.fields.String(required=True, validate=Length(min=1, max=40))
    variants = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(), required=True,
                              metadata={"description": VARIANTS_DOC, "example": VARIANTS_EXAMPLE})


class ContentListArgsSchema(PageArgsSchema):
    channel = ma.fields.String(validate=Length(max=40))
    q = ma.fields.String(validate=Length(max=200), metadata={"description": "Only names containing this"})


def content_or_404(content_id):
    return get_or_404(ContentItem, content_id, "content")


def _save(data, item=None):
    try:
        return save_content_item(data, item, actor=g.api_user, via="api")
    except ValidationFailed as exc:
        abort_invalid(field_messages(exc.errors))


@blp.route("", methods=["GET"])
@require_role("viewer")
@blp.arguments(ContentListArgsSchema, location="query")
@blp.response(200, page_of(ContentSchema), headers=PAGE_HEADERS)
def list_content(args):
    """List the content library

    By name; filter by `channel` and `q` (the name contains it).
    """
    query = ContentItem.select()
    if args.get("channel"):
        query = query.where(ContentItem.channel == args["channel"])
    if args.get("q"):
        query = query.where(ContentItem.name.contains(args["q"].strip()))
    return paginate(query.order_by(ContentItem.name, ContentItem.id), args)


@blp.route("", methods=["POST"])
@require_role("marketer")
@blp.arguments(ContentCreateSchema)
@blp.response(201, ContentSchema, headers=LOCATION_HEADER)
def create_content(data):
    """Add content to the library

    `variants` is checked against the channel's content fields: a mistake answers 422 under
    `variants.<language or default>.<field>`, a merge-tag mistake with its line.
    """
    item = _save(data)
    return item, {"Location": url_for("content.get_content", content_id=item.id)}


@blp.route("/<id:content_id>", methods=["GET"])
@require_role("viewer")
@blp.response(200, ContentSchema)
def get_content(content_id):
    """Get library content"""
    return content_or_404(content_id)


@blp.route("/<id:content_id>", methods=["PATCH"])
@require_role("marketer")
@blp.arguments(ContentUpdateSchema)
@blp.response(200, ContentSchema)
def update_content(data, content_id):
    """Change library content

    Programs that copied it keep their own copy.
    """
    return _save(data, content_or_404(content_id))


@blp.route("/<id:content_id>", methods=["DELETE"])
@require_role("marketer")
@blp.response(204)
def delete_content(content_id):
    """Delete library content

    Programs that copied it keep their content.
    """
    delete_content_item(content_or_404(content_id), actor=g.api_user, via="api")
