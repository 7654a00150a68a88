"""Custom field definitions (admin): list, create, delete with its values after a confirmation.

A field's key names it in filters, CSV headers and merge tags, so it cannot be renamed here;
its kind decides the column its values are stored in, so it cannot change either.
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from peewee import fn

from chapar.access import require_role
from chapar.audit import record
from chapar.contacts import define_field
from chapar.contacts.labels import KIND_LABELS
from chapar.errors import FieldError
from chapar.models import FIELD_KINDS, ContactFieldValue, CustomField

from . import blueprint
from .render import render
from .shell import format_number

MESSAGES = {
    "invalid_key": _l("Start with a letter and use only a–z, 0–9 and _ (at most 64)."),
    "reserved_key": _l("This key belongs to a built-in contact field; choose another."),
    "duplicate": _l("Another custom field has this key."),
    "invalid_kind": _l("Choose one of the kinds."),
    "no_choices": _l("List at least one choice, one per line."),
}


def _value_count():
    return (ContactFieldValue.select(fn.COUNT(ContactFieldValue.id))
            .where(ContactFieldValue.field == CustomField.id)).alias("value_count")


def _fields_page(values, errors):
    definitions = CustomField.select(CustomField, _value_count()).order_by(CustomField.position, CustomField.label)
    return render("webui/fields/list.html", status=422 if errors else 200, definitions=list(definitions),
                  values=values, errors=errors, kinds=[(k, KIND_LABELS[k]) for k in FIELD_KINDS],
                  kind_labels=KIND_LABELS)


@blueprint.route("/admin/fields")
@require_role("admin")
def admin_fields():
    return _fields_page({"key": "", "label": "", "kind": "text", "choices": ""}, {})


@blueprint.route("/admin/fields", methods=["POST"])
@require_role("admin")
def admin_field_create():
    values = {name: request.form.get(name, "").strip() for name in ("key", "label", "kind", "choices")}
    choices = values["choices"].splitlines() if values["kind"] == "choice" else []
    try:  # an empty label becomes the key
        definition = define_field(values["key"], values["label"], values["kind"], choices,
                                  position=CustomField.select().count())
    except FieldError as error:
        return _fields_page(values, {error.field: str(MESSAGES.get(error.code, error.message))})
    record("custom_field.created", actor=current_user, target=definition.key, kind=definition.kind)
    flash(_("Added the field “%(label)s”. It appears on every contact's form and page.", label=definition.label),
          "ok")
    return redirect(url_for("webui.admin_fields"))


@blueprint.route("/admin/fields/<id:field_id>/delete", methods=["GET", "POST"])
@require_role("admin")
def admin_field_delete(field_id):
    definition = (CustomField.select(CustomField, _value_count()).where(CustomField.id == field_id).first()
                  or abort(404))
    if request.method != "POST":
        return render("webui/fields/delete.html", definition=definition)
    definition.delete_instance()  # the values go with it (ON DELETE CASCADE)
    record("custom_field.deleted", actor=current_user, target=definition.key, values=definition.value_count)
    flash(ngettext("Deleted the field “%(label)s” and %(count)s value.",
                   "Deleted the field “%(label)s” and its %(count)s values.", definition.value_count,
                   label=definition.label, count=format_number(definition.value_count)), "ok")
    return redirect(url_for("webui.admin_fields"))
