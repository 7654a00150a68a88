"""Who a program reaches: include segments and hand-picked contacts, minus exclude segments,
minus those with no address or no consent for the channel, each address once."""
from collections import namedtuple

from ..channels.registry import channel_settings
from ..db import db, fetch, id_list, marks, quoted
from ..models import CONSENT_COLUMNS, Contact, Segment, contact_rows, utcnow
from ..segments import matching

# What deciding and addressing needs: a launch reads every candidate, so only these columns.
WALK_FIELDS = ("id", "first_name", "last_name", "company", "email", "mobile", "fax", "address_line1", "address_line2",
               "postal_code", "city", "region", "country", "language", "do_not_contact", *CONSENT_COLUMNS)
_WALK_SELECT = f'SELECT {quoted(WALK_FIELDS)} FROM "contact"'
CHUNK = 2000
FIRST_CHUNK = 250  # a launch's first chunk of messages; see snapshot_chunks


# A launch reads every candidate with plain SQL: peewee's IN list of 2,000 ids and a model per
# row cost more than the query.
Candidate = contact_rows("Candidate", WALK_FIELDS)


def _segment_ids(ids):
    """Contact-id subqueries for the segments with these ids (deleted segments are ignored)."""
    return [matching(segment).select(Contact.id) for segment in Segment.select().where(Segment.id.in_(ids or [0]))]


def candidates(audience):
    """A Contact query over everyone the audience includes, before consent and address checks."""
    condition = None
    for subquery in _segment_ids(audience.get("include")):
        part = Contact.id.in_(subquery)
        condition = part if condition is None else condition | part
    picked = sorted({int(i) for i in audience.get("contacts") or []})
    if picked:
        part = Contact.id.in_(id_list(picked))
        condition = part if condition is None else condition | part
    if condition is None:
        return Contact.select().where(Contact.id == 0)
    return Contact.select().where(condition)


def excluded_ids(audience):
    ids = set()
    for subquery in _segment_ids(audience.get("exclude")):
        ids.update(row[0] for row in subquery.tuples())
    return ids


def postal_address(contact):
    """The address block as lines, or "" when the address is not complete enough to post."""
    if not (contact.address_line1 and contact.city and (contact.postal_code or contact.country)):
        return ""
    city_line = " ".join(part for part in (contact.postal_code, contact.city) if part)
    lines = [contact.full_name, contact.company, contact.address_line1, contact.address_line2, city_line,
             contact.region, contact.country]
    return "\n".join(line for line in lines if line)


def address_of(contact, kind):
    if kind == "postal":
        return postal_address(contact)
    return getattr(contact, kind) or ""


def classify(contact, channel, settings, policy, seen, excluded):
    """(address, skip reason or "") for one contact; `seen` collects addresses already taken."""
    address = address_of(contact, channel.address)
    if contact.id in excluded:
        return address, "excluded"
    if contact.do_not_contact:
        return address, "do_not_contact"
    if not address:
        return address, "no_address"
    address, problem = channel.normalize_address(address, settings)
    if problem:
        return address, problem
    consent_channel = channel.consent_channel
    consent = contact.consent(consent_channel)
    if consent in ("bounced", "complained"):
        return address, consent
    if consent != "subscribed" and not (policy == "not_refused" and consent == "unknown"):
        return address, "no_consent"
    key = address.casefold()
    if key in seen:
        return address, "duplicate"
    seen.add(key)
    return address, ""


def walk(program, channel):
    """Yield (contact, address, reason) for every candidate of the program, in id order."""
    audience = program.audience
    excluded = excluded_ids(audience)
    settings = channel_settings(channel.identifier)
    seen = set()
    # The ids first, in one query; then the rows by primary key a chunk at a time. Paging the
    # audience query itself would run the segments' conditions again for every page.
    ids = [row[0] for row in db.execute(candidates(audience).columns(Contact.id).order_by(Contact.id))]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for contact in map(Candidate._make, fetch(f'{_WALK_SELECT} WHERE "id" IN ({marks(chunk)}) ORDER BY "id"',
                                                    chunk)):
            address, reason = classify(contact, channel, settings, program.consent_policy, seen, excluded)
            yield contact, address, reason


def _count(counts, reason):
    if reason:
        counts["skipped"][reason] = counts["skipped"].get(reason, 0) + 1
    else:
        counts["queued"] += 1


def summary(program, channel):
    """{"queued": n, "skipped": {reason: n}} as a launch would snapshot it now."""
    counts = {"queued": 0, "skipped": {}}
    for _contact, _address, reason in walk(program, channel):
        _count(counts, reason)
    return counts


# One statement for many rows: peewee's insert_many builds a new query object per batch, which
# made a 100k launch spend most of its time in Python.
INSERT = ('INSERT INTO "message" ("program_id", "contact_id", "address", "language", "status", "reason", "error", '
          '"provider_id", "units", "cost", "attempts", "lease_token", "queued_at", "updated_at") '
          "VALUES (?, ?, ?, ?, ?, ?, '', '', 0, 0, 0, '', ?, ?) ON CONFLICT DO NOTHING")


class Chunk(namedtuple("Chunk", "rows queued skipped")):
    """Message rows (parameters of INSERT), the contact ids queued among them, {reason: n} skipped."""

    __slots__ = ()


def snapshot_chunks(program, channel):
    """Yield the program's snapshot a Chunk at a time: FIRST_CHUNK rows, then twice as many each
    time up to CHUNK (the first messages go out sooner; later chunks cost fewer transactions)."""
    now = utcnow()
    size = min(FIRST_CHUNK, CHUNK)
    chunk = Chunk([], [], {})
    for contact, address, reason in walk(program, channel):
        chunk.rows.append((program.id, contact.id, address[:500], contact.language or "",
                           "skipped" if reason else "queued", reason, now, now))
        if reason:
            chunk.skipped[reason] = chunk.skipped.get(reason, 0) + 1
        else:
            chunk.queued.append(contact.id)
        if len(chunk.rows) >= size:
            yield chunk
            chunk, size = Chunk([], [], {}), min(2 * size, CHUNK)
    if chunk.rows:
        yield chunk
