"""POST /api/v1/contacts/bulk: create or update up to 10,000 contacts in one call.

Items go through the CSV importer's batched path (chapar.contacts.importer: the same cleaning
rules as everywhere, a few set-based statements per 2,000 items) and each gets its own result, so
a bad item never stops the good ones.
"""
import marshmallow as ma
from flask import g
from flask_babel import force_locale
from flask_smorest import Blueprint
from marshmallow.validate import Length, OneOf

from .. import audit
from ..access import require_role
from ..contacts.importer import BatchWriter, RowCleaner, WriteOptions
from ..contacts.importer.pipeline import BATCH_SIZE, Counts
from ..contacts.importer.reasons import message
from ..contacts.importer.targets import CUSTOM_PREFIX, KEY_FIELDS, TAGS
from ..contacts.service import default_region
from ..models import CHANNELS, CONSENT_STATUSES, CustomField, User
from .contact_schemas import MAX_TAGS, ContactInputSchema
from .errors import ErrorSchema, abort

blp = Blueprint("contacts_bulk", __name__, url_prefix="/contacts",
                description="Bulk upsert of contacts, with a result per item")

MAX_ITEMS = 10_000
OUTCOMES = ("created", "updated", "skipped", "failed")
ITEM_ERRORS = "_item"  # the key of problems that concern the item as a whole
SETTABLE_STATUSES = [status for status in CONSENT_STATUSES if status != "unknown"]


class UncheckedNested(ma.fields.Nested):
    """Documented as the nested schema but loaded as it is: each item is checked on its own in
    the view, so that one bad item fails alone instead of failing the whole call."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class BulkUpsertSchema(ma.Schema):
    key = ma.fields.String(load_default="email", validate=OneOf(KEY_FIELDS),
               metadata={"description": "Match existing contacts by email or by mobile; items need it"})
    contacts = ma.fields.List(UncheckedNested(ContactInputSchema), required=True, validate=Length(min=1), metadata={
        "description": f"At most {MAX_ITEMS:,} items (more: 413). Fields left out, null or empty keep the "
                       "contact's value; `tags` are added, never removed; `custom_fields` are set"})
    tags = ma.fields.List(ma.fields.String(validate=Length(min=1, max=100)), load_default=list,
                          validate=Length(max=MAX_TAGS),
                          metadata={"description": "Tags added to every contact of the call"})
    consent = ma.fields.Dict(keys=ma.fields.String(validate=OneOf(CHANNELS)),
                             values=ma.fields.String(validate=OneOf(SETTABLE_STATUSES)), load_default=dict, metadata={
                                 "description": "{channel: status} for every contact; it only ever becomes more "
                                                "restrictive, so nobody who unsubscribed is subscribed again"})
    wording = ma.fields.String(load_default="", validate=Length(max=10000),
                   metadata={"description": "The consent statement people agreed to (required with subscribed)"})
    update_existing = ma.fields.Boolean(load_default=True,
                                        metadata={"description": "false: existing contacts are skipped, untouched"})

    @ma.validates_schema
    def _wording_for_subscriptions(self, data, **_kwargs):
        if "subscribed" in data.get("consent", {}).values() and not data.get("wording", "").strip():
            raise ma.ValidationError("Say what people agreed to when subscribing them.", "wording")


class BulkItemResultSchema(ma.Schema):
    index = ma.fields.Integer(metadata={"description": "The item's position in `contacts`, from 0"})
    status = ma.fields.String(metadata={"enum": list(OUTCOMES)})
    id = ma.fields.Integer(allow_none=True, metadata={"description": "The contact's id (null when failed)"})
    errors = ma.fields.Dict(metadata={
        "description": "{field: [message]}, custom fields under custom_fields; _item for the item as a whole"})


class BulkResultSchema(ma.Schema):
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    skipped = ma.fields.Integer()
    failed = ma.fields.Integer()
    results = ma.fields.List(ma.fields.Nested(BulkItemResultSchema))


def _errors(problems, key):
    """Problems of an item -> {field: [message]} like the rest of the API."""
    errors = {}
    for problem in problems:
        target = problem.target or (key if problem.code == "missing_key" else ITEM_ERRORS)
        text = message(problem)
        if target.startswith(CUSTOM_PREFIX):
            errors.setdefault("custom_fields", {}).setdefault(target[len(CUSTOM_PREFIX):], []).append(text)
        else:
            errors.setdefault(target, []).append(text)
    return errors


def _clean_items(items, cleaner):
    """(CleanRows, {index: marshmallow errors}) for the items of the call."""
    schema, rows, invalid = ContactInputSchema(), [], {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            invalid[index] = {ITEM_ERRORS: ["Must be an object."]}
            continue
        try:
            data = schema.load(item)
        except ma.ValidationError as exc:
            invalid[index] = exc.messages
            continue
        custom = data.pop("custom_fields", None) or {}
        pairs = [*data.items(), *((CUSTOM_PREFIX + name, value) for name, value in custom.items())]
        rows.append(cleaner.clean(index, [(TAGS, v) if k == "tags" else (k, v) for k, v in pairs]))
    return rows, invalid


@blp.route("/bulk", methods=["POST"])
@require_role("marketer")
@blp.arguments(BulkUpsertSchema)
@blp.response(200, BulkResultSchema)
@blp.alt_response(413, schema=ErrorSchema, description=f"More than {MAX_ITEMS:,} contacts: send them in several calls")
def bulk_upsert(data):
    """Create or update many contacts

    Up to 10,000 contacts per call, each matched by `key` (email or mobile) and created when no
    contact has it. Values follow the same rules as everywhere (emails and phone numbers are
    normalised); an item that breaks them fails alone with its errors by field, and the others
    are saved. Items repeating a key update the contact the earlier one created or matched.
    """
    items = data["contacts"]
    if len(items) > MAX_ITEMS:
        abort(413, f"At most {MAX_ITEMS} contacts per call; this one has {len(items)}. Send them in several calls.",
              details={"max_items": MAX_ITEMS, "items": len(items)})
    key = data["key"]
    owners = {user.id for user in User.select(User.id)}
    cleaner = RowCleaner(key, CustomField.select(), default_region(), owner_ids=owners, key_label=key)
    writer = BatchWriter(WriteOptions(key=key, tags=data["tags"], consent=data["consent"], wording=data["wording"],
                                      update_existing=data["update_existing"], method="api", detail="bulk upsert",
                                      source="api", actor_id=g.api_user.id, want_ids=True))
    rows, invalid = _clean_items(items, cleaner)
    for start in range(0, len(rows), BATCH_SIZE):
        writer.write(rows[start:start + BATCH_SIZE])
    counts, results = Counts(), {}
    with force_locale("en"):  # API messages are English, like every other API error
        for row in rows:
            results[row.line] = {"index": row.line, "status": row.outcome, "id": row.contact_id,
                                 "errors": _errors(row.problems, key)}
    for index, errors in invalid.items():
        results[index] = {"index": index, "status": "failed", "id": None, "errors": errors}
    for index in range(len(items)):
        counts.add(results[index]["status"])
    audit.record("contacts.bulk_upserted", actor=g.api_user, target=f"{len(items)} contacts", via="api",
                 **{name: getattr(counts, name) for name in OUTCOMES})
    return {**{name: getattr(counts, name) for name in OUTCOMES},
            "results": [results[index] for index in range(len(items))]}
