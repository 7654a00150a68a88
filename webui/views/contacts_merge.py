"""Merging two records of one person: find the other, preview the result, then merge.

The preview is the real chapar.contacts.merge_contacts run inside a transaction that is rolled
back, so what it shows can never drift from what the merge does. Managers and admins merge: a
merge deletes one of the two records, like deleting a contact (and like the API's merge).
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from chapar.access import require_role
from chapar.audit import record
from chapar.contacts import merge_contacts, tags_of, values_of
from chapar.contacts.labels import CHANNEL_LABELS, STATUS_LABELS
from chapar.contacts.timeline import MERGE_ACTION, merge_target
from chapar.db import db
from chapar.models import CHANNELS, ConsentRecord, Contact, CustomField

from . import blueprint
from .contacts_common import FIELD_LABELS, contact_label, contact_or_404, country_name, display_phone, isolated
from .contacts_query import search_condition
from .render import render

CANDIDATES = 20
# The fields the comparison shows, in order (FIELD_LABELS names them).
COMPARED = ("first_name", "last_name", "email", "mobile", "fax", "company", "job_title", "address_line1",
            "address_line2", "city", "region", "postal_code", "country", "language", "time_zone")


def candidates(contact, q):
    """Contacts that may be the same person: those matching `q` (an id, email, phone or name),
    or, without `q`, those with the same name, email or mobile."""
    query = Contact.select().where(Contact.id != contact.id)
    q = q.strip().lstrip("#")
    if q.isdigit() and len(q) < 10:
        return list(query.where(Contact.id == int(q)))
    if q:
        return list(query.where(search_condition(q)).order_by(Contact.last_name, Contact.first_name).limit(CANDIDATES))
    if not (contact.first_name and contact.last_name):
        return []
    return list(query.where((Contact.first_name == contact.first_name) & (Contact.last_name == contact.last_name))
                .order_by(Contact.id).limit(CANDIDATES))


def snapshot(contact):
    """What a contact looks like on the comparison: its values, tags, custom values and history size."""
    return {"contact": contact, "tags": tags_of(contact), "custom": values_of(contact),
            "history": ConsentRecord.select().where(ConsentRecord.contact == contact.id).count()}


def preview(keep, drop):
    """The kept record as the merge would leave it, computed by merging and rolling back."""
    with db.atomic() as transaction:
        merged = snapshot(merge_contacts(Contact.get_by_id(keep.id), Contact.get_by_id(drop.id)))
        transaction.rollback()
    return merged


def _pair(contact_id, other_id, keep_id):
    if contact_id == other_id:
        abort(404)
    contact, other = contact_or_404(contact_id), contact_or_404(other_id)
    if keep_id not in (None, contact.id, other.id):
        abort(400)
    return (other, contact) if keep_id == other.id else (contact, other)


@blueprint.route("/contacts/<id:contact_id>/merge")
@require_role("manager")
def contact_merge(contact_id):
    contact = contact_or_404(contact_id)
    q = request.args.get("q", "")
    return render("webui/contacts/merge_pick.html", contact=contact, q=q, candidates=candidates(contact, q),
                  title=contact_label(contact))


@blueprint.route("/contacts/<id:contact_id>/merge/<id:other_id>")
@require_role("manager")
def contact_merge_preview(contact_id, other_id):
    keep, drop = _pair(contact_id, other_id, request.args.get("keep", type=int))
    result = preview(keep, drop)
    definitions = list(CustomField.select().order_by(CustomField.position, CustomField.label))
    return render("webui/contacts/merge_preview.html", contact_id=contact_id, other_id=other_id,
                  keep=snapshot(keep), drop=snapshot(drop), result=result, compared=COMPARED, labels=FIELD_LABELS,
                  definitions=definitions, channels=CHANNELS, channel_labels=CHANNEL_LABELS,
                  status_labels=STATUS_LABELS, show=_shown, keep_label=isolated(contact_label(keep)),
                  drop_label=isolated(contact_label(drop)))


def _shown(name, contact):
    value = getattr(contact, name) or ""
    if name in ("mobile", "fax"):
        return display_phone(value)
    if name == "country":
        return country_name(value)
    return value


@blueprint.route("/contacts/<id:contact_id>/merge/<id:other_id>", methods=["POST"])
@require_role("manager")
def contact_merge_apply(contact_id, other_id):
    keep, drop = _pair(contact_id, other_id, request.form.get("keep", type=int))
    dropped = {"merged_id": drop.id, "merged_name": drop.full_name, "merged_email": drop.email or "",
               "merged_mobile": drop.mobile or ""}
    with db.atomic():
        merged = merge_contacts(keep, drop, actor=current_user._get_current_object())
        record(MERGE_ACTION, actor=current_user, target=merge_target(merged.id), **dropped)
    flash(_("Merged contact #%(dropped)s into %(name)s; both histories are kept here.", dropped=drop.id,
            name=contact_label(merged)), "ok")
    return redirect(url_for("webui.contact_show", contact_id=merged.id))
