"""/api/v1/custom-fields: the typed custom fields admins define for contacts.

A field is addressed by its key or its id. Its key and kind never change: segments, merge tags
and CSV headers use the key, and each kind's values live in a column of their own type, so a
change of kind would mean converting (and possibly losing) every stored value.
"""
import json

from flask import g, url_for
from flask_smorest import Blueprint
from peewee import IntegrityError, fn

from .. import audit
from ..access import require_role
from ..contacts import define_field
from ..errors import FieldError
from ..models import ContactFieldValue, CustomField
from .contact_schemas import (LOCATION_HEADER, CustomFieldCreateSchema, CustomFieldSchema, CustomFieldUpdateSchema,
                              abort_invalid, get_or_404)
from .errors import abort
from .pagination import PAGE_HEADERS, PageArgsSchema, page_of, paginate

blp = Blueprint("custom_fields", __name__, url_prefix="/custom-fields", description="Custom contact fields")

_REF = "/<field_ref>"
_REF_DOC = {"parameters": [{"in": "path", "name": "field_ref", "required": True, "schema": {"type": "string"},
                            "description": "The field's key (or id)"}]}


def _field_or_404(field_ref):
    """The field whose key, or id, is `field_ref` (keys start with a letter, so the two never clash)."""
    if field_ref.isascii() and field_ref.isdigit() and len(field_ref) <= 10:
        return get_or_404(CustomField, int(field_ref), "custom field")
    return CustomField.get_or_none(CustomField.key == field_ref) or abort(404, f"No custom field {field_ref!r}.")


def _clean_choices(data, kind):
    """Stripped, de-duplicated choices; 422 when a field that is not a choice field gets some."""
    choices = list(dict.fromkeys(choice.strip() for choice in data.get("choices") or () if choice.strip()))
    if choices and kind != "choice":
        abort_invalid({"choices": [f"Only choice fields have choices; this one is a {kind} field."]})
    return choices


def _choices_in_use(field, kept):
    """{removed choice: contacts holding it} for the choices a change would drop."""
    rows = (ContactFieldValue.select(ContactFieldValue.text_value, fn.COUNT(ContactFieldValue.id))
            .where((ContactFieldValue.field == field) & ContactFieldValue.text_value.not_in(kept))
            .group_by(ContactFieldValue.text_value).tuples())
    return dict(rows)


@blp.route("", methods=["GET"])
@require_role("viewer")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(CustomFieldSchema), headers=PAGE_HEADERS)
def list_custom_fields(args):
    """List custom fields

    In their display order (`position`, then creation).
    """
    return paginate(CustomField.select().order_by(CustomField.position, CustomField.id), args)


@blp.route("", methods=["POST"])
@require_role("admin")
@blp.arguments(CustomFieldCreateSchema)
@blp.response(201, CustomFieldSchema, headers=LOCATION_HEADER)
def create_custom_field(data):
    """Define a custom field

    `kind` is text, number, date, choice or boolean; a choice field needs `choices`. The key
    (a-z, 0-9 and _, starting with a letter) may not be a built-in contact field's name; a key
    in use answers 409.
    """
    choices = _clean_choices(data, data["kind"])
    try:
        field = define_field(data["key"], data.get("label", "").strip(), data["kind"], choices,
                             data.get("position", 0))
    except FieldError as exc:
        if exc.code == "duplicate":
            abort(409, exc.message, details={"location": "json", "fields": {exc.field: [exc.message]}})
        abort_invalid({exc.field: [exc.message]})
    except IntegrityError:  # defined by a concurrent request after define_field's check
        abort(409, f"A custom field with key {data['key']!r} already exists.")
    audit.record("custom_field.created", actor=g.api_user, target=field.key, kind=field.kind, via="api")
    return field, {"Location": url_for("custom_fields.get_custom_field", field_ref=field.key)}


@blp.route(_REF, methods=["GET"])
@require_role("viewer")
@blp.doc(**_REF_DOC)
@blp.response(200, CustomFieldSchema)
def get_custom_field(field_ref):
    """Get a custom field"""
    return _field_or_404(field_ref)


@blp.route(_REF, methods=["PATCH"])
@require_role("admin")
@blp.doc(**_REF_DOC)
@blp.arguments(CustomFieldUpdateSchema)
@blp.response(200, CustomFieldSchema)
def update_custom_field(data, field_ref):
    """Change a custom field

    `label`, `position` and a choice field's `choices` may change. Dropping a choice that
    contacts still hold answers 409 (with the counts), so no stored value loses its meaning.
    `key` and `kind` cannot change (422): define a new field instead.
    """
    field = _field_or_404(field_ref)
    fixed = {"key": "The key cannot change: segments, merge tags and CSV headers use it. Define a new field.",
             "kind": f"The kind cannot change from {field.kind}: each kind's values are stored in a column of "
                     "their own type. Define a new field and copy the values."}
    refused = {name: [message] for name, message in fixed.items()
               if name in data and data[name] != getattr(field, name)}
    if refused:
        abort_invalid(refused)
    if "choices" in data:
        choices = _clean_choices(data, field.kind)
        if not choices:
            abort_invalid({"choices": ["A choice field needs at least one choice."]})
        in_use = _choices_in_use(field, choices)
        if in_use:
            abort(409, "Contacts still hold choices this change would drop: " + ", ".join(in_use) + ".",
                  details={"in_use": in_use})
        field.choices_json = json.dumps(choices, ensure_ascii=False)
    if "label" in data:
        field.label = data["label"].strip()
    if "position" in data:
        field.position = data["position"]
    field.save()
    audit.record("custom_field.changed", actor=g.api_user, target=field.key, via="api",
                 changed=sorted(set(data) - {"key", "kind"}))
    return field


@blp.route(_REF, methods=["DELETE"])
@require_role("admin")
@blp.doc(**_REF_DOC)
@blp.response(204)
def delete_custom_field(field_ref):
    """Delete a custom field

    With every contact's value for it. Recorded in the audit log.
    """
    field = _field_or_404(field_ref)
    values = field.values.count()
    field.delete_instance()  # the values go with it (ON DELETE CASCADE)
    audit.record("custom_field.deleted", actor=g.api_user, target=field.key, kind=field.kind, values=values,
                 via="api")
