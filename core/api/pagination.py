"""The list convention: `?page=1&per_page=50`, an envelope with counts, and RFC 8288 Link headers.

    @blp.route("/widgets")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(WidgetSchema), headers=PAGE_HEADERS)
    def list_widgets(args):
        return paginate(Widget.select().order_by(Widget.id), args)

A per_page above MAX_PER_PAGE is rejected with 422 rather than clamped, so a client never
silently receives fewer rows per page than it asked for and miscounts the pages.
"""
import math
from urllib.parse import urlencode

import marshmallow as ma
from flask import request

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
# Far beyond any real list, and small enough that (page - 1) * per_page fits every database's OFFSET.
MAX_PAGE = 1_000_000
# For @blp.response(..., headers=PAGE_HEADERS): documents the Link header in OpenAPI.
PAGE_HEADERS = {"Link": {"description": "RFC 8288 links to the first, prev, next and last pages",
                         "schema": {"type": "string"}}}


class PageArgsSchema(ma.Schema):
    """Query arguments of every list endpoint; subclass it to add filters."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(
        min=1, max=MAX_PAGE, error=f"Must be a page number from 1 to {MAX_PAGE:,}."),
        metadata={"description": f"1-based page number, at most {MAX_PAGE}"})
    per_page = ma.fields.Integer(load_default=DEFAULT_PER_PAGE, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE),
                                 metadata={"description": f"Items per page, at most {MAX_PER_PAGE}"})


_page_schemas = {}


def page_of(item_schema):
    """The envelope schema for a page of `item_schema` (a Schema class), e.g. TokenPageSchema.

    Cached so that the OpenAPI document holds one component per item type.
    """
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = ma.Schema.from_dict({
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "per_page": ma.fields.Integer(required=True),
            "total": ma.fields.Integer(required=True, metadata={"description": "Items on all pages"}),
            "pages": ma.fields.Integer(required=True, metadata={"description": "Number of pages, at least 1"}),
        }, name=name)
    return _page_schemas[item_schema]


def paginate(query, args):
    """One page of a peewee query as (envelope, headers), to return from a @blp.response view.

    `args` are the loaded PageArgsSchema values. A page past the last one is empty, not an error,
    so a client looping until `items` is empty terminates.
    """
    page, per_page = args["page"], args["per_page"]
    total = query.count()
    pages = max(1, math.ceil(total / per_page))
    items = list(query.paginate(page, per_page))
    envelope = {"items": items, "page": page, "per_page": per_page, "total": total, "pages": pages}
    return envelope, {"Link": link_header(page, pages)}


def link_header(page, pages):
    """RFC 8288 first/prev/next/last links to this same URL, other query arguments kept."""
    relations = [("first", 1)]
    if page > 1:
        relations.append(("prev", min(page - 1, pages)))
    if page < pages:
        relations.append(("next", page + 1))
    relations.append(("last", pages))
    return ", ".join(f'<{_page_url(number)}>; rel="{rel}"' for rel, number in relations)


def _page_url(number):
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    query.append(("page", str(number)))
    return f"{request.base_url}?{urlencode(query)}"
