"""/api/v1/contacts: search, create, read, change, delete, tag and merge contacts.

Every write goes through chapar.contacts (the same rules as the web UI and imports); this module
only translates between HTTP and those functions. Bulk upsert lives in contacts_bulk.py, consent
changes in consent.py.
"""
import operator
import re
from contextlib import contextmanager
from datetime import timezone
from functools import reduce

from flask import g, url_for
from flask_smorest import Blueprint
from peewee import IntegrityError

from .. import audit
from .. import contacts as service
from ..access import require_role
from ..contacts.tags import clean_tag_names
from ..db import db
from ..errors import ValidationFailed
from ..models import CHANNELS, Contact, ContactTag, Tag, User, utcnow
from .contact_schemas import (LOCATION_HEADER, ContactInputSchema, ContactListArgsSchema, ContactSchema, MergeSchema,
                              TagNamesSchema, abort_invalid, field_errors, get_or_404, load_contact_extras)
from .errors import abort
from .pagination import PAGE_HEADERS, page_of, paginate

blp = Blueprint("contacts", __name__, url_prefix="/contacts", description="Contacts: the audience")

# A new contact needs something to recognise and reach it by.
IDENTITY_FIELDS = ("first_name", "last_name", "company", "email", "mobile", "fax")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_PHONE_LIKE = re.compile(r"^[+()\d.\-]+$")
# Persian text typed on an Arabic keyboard (and the other way round) uses other code points for
# ye and kaf; search finds both spellings.
_TO_PERSIAN = str.maketrans("يك", "یک")
_TO_ARABIC = str.maketrans("یک", "يك")


def contact_or_404(contact_id):
    return get_or_404(Contact, contact_id, "contact")


# --- searching -----------------------------------------------------------------------------------

def _word_condition(word):
    """A word matches a first or last name, the email, or (when it looks like one) a phone number."""
    conditions = []
    for spelling in {word, word.translate(_TO_PERSIAN), word.translate(_TO_ARABIC)}:
        conditions += [Contact.first_name.contains(spelling), Contact.last_name.contains(spelling)]
    conditions.append(Contact.email.contains(word.lower()))
    ascii_word = word.translate(_DIGITS)
    if _PHONE_LIKE.match(ascii_word):
        # Numbers are stored as E.164: "0912 123 4567" finds "+989121234567" without the zero.
        digits = re.sub(r"\D", "", ascii_word).lstrip("0")
        if digits:
            conditions += [Contact.mobile.contains(digits), Contact.fax.contains(digits)]
    return reduce(operator.or_, conditions)


def search_contacts(args):
    """The contacts matching the list arguments (ContactListArgsSchema), sorted as asked."""
    query = Contact.select()
    for word in (args.get("q") or "").split():
        query = query.where(_word_condition(word))
    for name in args.get("tag", []):
        tagged = ContactTag.select(ContactTag.contact).join(Tag).where(Tag.name == " ".join(name.split()))
        query = query.where(Contact.id.in_(tagged))
    for channel in CHANNELS:
        if f"consent_{channel}" in args:
            query = query.where(getattr(Contact, f"consent_{channel}") == args[f"consent_{channel}"])
    if "source" in args:
        query = query.where(Contact.source == args["source"])
    if "do_not_contact" in args:
        query = query.where(Contact.do_not_contact == args["do_not_contact"])
    if "updated_since" in args:
        since = args["updated_since"]
        if since.tzinfo is not None:  # stored naive in UTC
            since = since.astimezone(timezone.utc).replace(tzinfo=None)
        query = query.where(Contact.updated_at >= since)
    key = args["sort"].lstrip("-")
    column = getattr(Contact, key)
    descending = args["sort"].startswith("-")
    return query.order_by(column.desc() if descending else column.asc(),
                          Contact.id.desc() if descending else Contact.id.asc())


@blp.route("", methods=["GET"])
@require_role("viewer")
@blp.arguments(ContactListArgsSchema, location="query")
@blp.response(200, page_of(ContactSchema), headers=PAGE_HEADERS)
def list_contacts(args):
    """List and search contacts

    `q` searches first and last names, email and phone numbers: every word must match one of
    them. Filters combine with AND. Sorted by `sort` (default `id`; `-` for descending).
    """
    envelope, headers = paginate(search_contacts(args), args)
    load_contact_extras(envelope["items"])
    return envelope, headers


# --- writing -------------------------------------------------------------------------------------

def _split(data):
    """Input -> (fields for chapar.contacts, tags or None, owner or None, whether owner was given)."""
    data = dict(data)
    tags = data.pop("tags", None)
    owner_given = "owner_id" in data
    owner_id = data.pop("owner_id", None)
    owner = None
    if owner_id is not None:
        owner = User.get_or_none(User.id == owner_id) or abort_invalid({"owner_id": [f"No user {owner_id}."]})
    custom = data.pop("custom_fields", None) or {}
    clashes = {key: [f"No custom field {key!r}."] for key in custom if key in service.EDITABLE_FIELDS}
    if clashes:  # a core name under custom_fields must not reach the core field
        abort_invalid({"custom_fields": clashes})
    return {**data, **custom}, tags, owner, owner_given


def _require_identity(values):
    if not any(str(values.get(name) or "").strip() for name in IDENTITY_FIELDS):
        abort_invalid({"_schema": ["Give at least one of " + ", ".join(IDENTITY_FIELDS) + "."]})


def _duplicate_holders(names, fields):
    """{field: id of the contact already holding the value}, for the 409's details."""
    holders = {}
    for name in names:
        value = (service.normalise_email(fields[name]) if name == "email"
                 else service.normalise_phone(fields[name], service.default_region()))
        holder = Contact.get_or_none(getattr(Contact, name) == value)
        if holder is not None:
            holders[name] = holder.id
    return holders


@contextmanager
def saving(fields):
    """One transaction for a contact's changes; chapar.contacts' errors become 422 or 409."""
    try:
        with db.atomic():
            yield
    except ValidationFailed as exc:
        if all(error.code == "duplicate" for error in exc.errors.values()):
            names = sorted(exc.errors)
            abort(409, f"Another contact already has this {' and '.join(names)}; update or merge that one.",
                  details={"location": "json", "fields": field_errors(exc.errors),
                           "contact_ids": _duplicate_holders(names, fields)})
        abort_invalid(field_errors(exc.errors))
    except IntegrityError:  # a concurrent request took the email or mobile after our check
        abort(409, "Another contact already has this email or mobile.")


def replace_tags(contact, names):
    """Make `names` the contact's tags, exactly."""
    wanted = clean_tag_names(names)
    service.remove_tags([contact.id], set(service.tags_of(contact)) - set(wanted))
    service.add_tags([contact.id], wanted)


@blp.route("", methods=["POST"])
@require_role("marketer")
@blp.arguments(ContactInputSchema)
@blp.response(201, ContactSchema, headers=LOCATION_HEADER)
def create_contact(data):
    """Create a contact

    Needs at least a name, company, email, mobile or fax. `source` defaults to `api`. An email
    or mobile another contact has (after normalisation) answers 409 with that contact's id in
    `details.contact_ids`. Consent starts `unknown`: record it with POST .../consent.
    """
    fields, tags, owner, _owner_given = _split(data)
    fields.setdefault("source", "api")
    _require_identity(fields)
    with saving(fields):
        contact = service.create_contact(fields, owner=owner)
        if tags is not None:
            replace_tags(contact, tags)
    return contact, {"Location": url_for("contacts.get_contact", contact_id=contact.id)}


@blp.route("/<id:contact_id>", methods=["GET"])
@require_role("viewer")
@blp.response(200, ContactSchema)
def get_contact(contact_id):
    """Get a contact"""
    return contact_or_404(contact_id)


@blp.route("/<id:contact_id>", methods=["PATCH"])
@require_role("marketer")
@blp.arguments(ContactInputSchema)
@blp.response(200, ContactSchema)
def update_contact(data, contact_id):
    """Change a contact

    Only the fields sent change; null or "" clears one. `tags` replaces the contact's tags;
    a custom field set to null loses its value.
    """
    contact = contact_or_404(contact_id)
    fields, tags, owner, owner_given = _split(data)
    _require_identity({name: fields.get(name, getattr(contact, name)) for name in IDENTITY_FIELDS})
    if owner_given:
        contact.owner = owner
    with saving(fields):
        service.update_contact(contact, fields)  # saves, and bumps updated_at
        if tags is not None:
            replace_tags(contact, tags)
    return contact_or_404(contact_id)


@blp.route("/<id:contact_id>", methods=["DELETE"])
@require_role("manager")
@blp.response(204)
def delete_contact(contact_id):
    """Delete a contact

    With its tags, custom values and consent history. Recorded in the audit log (by id only).
    """
    contact = contact_or_404(contact_id)
    contact.delete_instance()
    audit.record("contact.deleted", actor=g.api_user, target=f"contact #{contact_id}", via="api")


# --- tags and merging ----------------------------------------------------------------------------

def _tags_response(contact):
    Contact.update(updated_at=utcnow()).where(Contact.id == contact.id).execute()  # incremental sync sees it
    return {"tags": service.tags_of(contact)}


@blp.route("/<id:contact_id>/tags", methods=["POST"])
@require_role("marketer")
@blp.arguments(TagNamesSchema)
@blp.response(200, TagNamesSchema)
def add_contact_tags(data, contact_id):
    """Tag a contact

    Adds the tags (creating tags that do not exist yet) and answers with all of the contact's tags.
    """
    contact = contact_or_404(contact_id)
    service.add_tags([contact.id], data["tags"])
    return _tags_response(contact)


@blp.route("/<id:contact_id>/tags", methods=["DELETE"])
@require_role("marketer")
@blp.arguments(TagNamesSchema)
@blp.response(200, TagNamesSchema)
def remove_contact_tags(data, contact_id):
    """Untag a contact

    Removes the tags named in the body (tags the contact lacks are ignored) and answers with the
    contact's remaining tags. The tags themselves stay; DELETE /api/v1/tags/<id> removes one.
    """
    contact = contact_or_404(contact_id)
    service.remove_tags([contact.id], data["tags"])
    return _tags_response(contact)


@blp.route("/<id:contact_id>/merge", methods=["POST"])
@require_role("manager")
@blp.arguments(MergeSchema)
@blp.response(200, ContactSchema)
def merge_contact(data, contact_id):
    """Merge another contact into this one

    This contact keeps its values; its empty fields take the other's, tags and custom values are
    united, both consent histories are kept and the more restrictive status per channel wins.
    The other contact is then deleted.
    """
    keep = contact_or_404(contact_id)
    other_id = data["other_id"]
    if other_id == contact_id:
        abort_invalid({"other_id": ["A contact cannot be merged with itself."]})
    drop = Contact.get_or_none(Contact.id == other_id) or abort_invalid({"other_id": [f"No contact {other_id}."]})
    merged = service.merge_contacts(keep, drop, actor=g.api_user)
    audit.record("contact.merged", actor=g.api_user, target=f"contact #{contact_id}", merged=other_id, via="api")
    return merged
