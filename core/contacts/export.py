"""Exporting contacts as CSV, streamed in id order a batch at a time, so a million rows never sit
in memory: UTF-8 with a BOM (Excel then reads Persian correctly), custom fields as columns, tags
as one comma-separated column, and cells that a spreadsheet would run as a formula neutralised.

The header uses the field names the importer recognises, so an exported file imports again
unchanged (the importer also takes the neutralising quote off).
"""
from ..csv_stream import csv_stream
from ..models import CHANNELS, Contact, ContactFieldValue, ContactTag, CustomField, Tag

BATCH_SIZE = 1000
# Every editable field (a test checks), in the order people read a contact.
CORE_COLUMNS = ("id", "first_name", "last_name", "email", "mobile", "fax", "company", "job_title", "address_line1",
                "address_line2", "city", "region", "postal_code", "country", "language", "time_zone", "source",
                "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "do_not_contact",
                *(f"consent_{c}" for c in CHANNELS), "created_at", "updated_at")


def _cell(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def contacts_by_ids(ids, batch_size=BATCH_SIZE):
    """Lists of contacts for a selection of ids, in id order, a batch per query."""
    ids = sorted({int(i) for i in ids})
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        yield list(Contact.select().where(Contact.id.in_(chunk)).order_by(Contact.id))


def contacts_matching(expression=None, batch_size=BATCH_SIZE):
    """Lists of contacts matching a peewee expression (all when None), paged by id (keyset)."""
    last = 0
    while True:
        query = Contact.select().where(Contact.id > last)
        if expression is not None:
            query = query.where(expression)
        batch = list(query.order_by(Contact.id).limit(batch_size))
        if not batch:
            return
        yield batch
        last = batch[-1].id


def export_rows(batches):
    """The header, then one list of cells per contact, for the contacts in `batches`."""
    fields = list(CustomField.select().order_by(CustomField.position, CustomField.id))
    yield [*CORE_COLUMNS, "tags", *(f.key for f in fields)]
    for batch in batches:
        ids = [contact.id for contact in batch]
        tags = {}
        for contact_id, name in (ContactTag.select(ContactTag.contact, Tag.name).join(Tag)
                                 .where(ContactTag.contact.in_(ids)).order_by(Tag.name).tuples()):
            tags.setdefault(contact_id, []).append(name)
        values = {}
        for row in ContactFieldValue.select().where(ContactFieldValue.contact.in_(ids)):
            values[(row.contact_id, row.field_id)] = row
        for contact in batch:
            custom = []
            for found in fields:
                row = values.get((contact.id, found.id))
                custom.append(_cell(getattr(row, found.value_column)) if row is not None else "")
            yield [*(_cell(getattr(contact, name)) for name in CORE_COLUMNS), ", ".join(tags.get(contact.id, ())),
                   *custom]


def export_csv(batches):
    """CSV text in chunks (a BOM, then one chunk per batch of rows), every cell neutralised."""
    return csv_stream(export_rows(batches), BATCH_SIZE)
