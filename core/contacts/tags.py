"""Tagging contacts in bulk with set-based queries (no query per contact)."""
from ..db import db
from ..models import ContactTag, Tag

MAX_TAG_LENGTH = 100


def clean_tag_names(names):
    """Stripped, de-duplicated names; raises ValueError for an empty or over-long one."""
    cleaned = []
    for name in names:
        name = " ".join(str(name).split())
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise ValueError(f"a tag may have at most {MAX_TAG_LENGTH} characters: {name[:20]}…")
        if name not in cleaned:
            cleaned.append(name)
    return cleaned


def tag_ids(names, create=True):
    """{name: id} for the given tag names, creating missing tags when `create`."""
    names = clean_tag_names(names)
    if not names:
        return {}
    if create:
        Tag.insert_many([{"name": n} for n in names]).on_conflict_ignore().execute()
    return {t.name: t.id for t in Tag.select(Tag.id, Tag.name).where(Tag.name.in_(names))}


def add_tags(contact_ids, names):
    ids = list(tag_ids(names).values())
    rows = [{"contact": c, "tag": t} for c in contact_ids for t in ids]
    with db.atomic():
        for start in range(0, len(rows), 500):
            ContactTag.insert_many(rows[start:start + 500]).on_conflict_ignore().execute()
    return len(rows)


def remove_tags(contact_ids, names):
    ids = list(tag_ids(names, create=False).values())
    if not ids or not contact_ids:
        return 0
    return (ContactTag.delete()
            .where(ContactTag.contact.in_(list(contact_ids)) & ContactTag.tag.in_(ids)).execute())


def tags_of(contact):
    return [t.name for t in Tag.select(Tag.name).join(ContactTag).where(ContactTag.contact == contact)
            .order_by(Tag.name)]
