"""A pure-Python reference for the segment filter language, and random data to check it on.

`evaluate(tree, contact, ...)` says whether a contact (a dict, as `build_dataset` makes them)
matches a filter, following docs/segments.md word for word and sharing no code with the compiler
beyond the language's tables. tests/test_segments_reference.py compares it with the SQL.
"""
import datetime
import random

from chapar.models import CHANNELS, CONSENT_STATUSES, SOURCES, Contact, ContactFieldValue, ContactTag, Tag, utcnow
from chapar.segments import save_segment

# Text that tests LIKE escaping, ASCII case folding and Persian; no cased non-ASCII letters,
# whose folding SQLite's LIKE does not do (see docs/segments.md).
CITIES = ["Tehran", "tehran", "TEHRAN", "Shiraz", "تهران", "شیراز", "Te%ran", "Teh_an", "a\\b", "", "50%"]
NAMES = ["Ali", "ali", "Sara", "سارا", "علی", "Reza_1", "%", "_", "O'Brien", ""]
NOTES = ["hello", "Hello world", "سلام دنیا", "100%", "a_b", "", "x\\y"]
TAGS = ["vip", "VIP", "lead", "مشتری ویژه", "50%_off"]
CUSTOM_FIELDS = [("score", "number", ()), ("renewal", "date", ()), ("plan", "choice", ("free", "pro", "team")),
                 ("note", "text", ()), ("newsletter", "boolean", ())]
TEXT_ALPHABET = "aAeEtT%_\\ 'هتران"
OTHER_TEXT = ("address_line1", "address_line2", "region", "postal_code", "job_title", "language", "time_zone",
              "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def ascii_fold(text):
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)


def build_dataset(seed, owners, size=60):
    """Insert `size` random contacts with tags, custom values and consents; returns the world dict."""
    from chapar.contacts import define_field

    rng = random.Random(seed)
    now = utcnow()
    fields = {key: define_field(key, key.title(), kind, choices=choices) for key, kind, choices in CUSTOM_FIELDS}
    tags = {name: Tag.create(name=name).id for name in TAGS}
    contacts = []
    for number in range(size):
        created = now - datetime.timedelta(days=rng.uniform(-2, 400), microseconds=rng.randrange(10 ** 6))
        row = {
            "first_name": rng.choice(NAMES), "last_name": rng.choice(NAMES), "city": rng.choice(CITIES),
            "company": rng.choice(NOTES), "country": rng.choice(["IR", "DE", ""]),
            "email": rng.choice([None, f"p{number}@example.com", f"P{number}_x@Example.ir"]),
            "mobile": rng.choice([None, f"+98912{number:07d}"]), "fax": rng.choice([None, "+982188776655"]),
            "source": rng.choice(SOURCES), "do_not_contact": rng.random() < 0.2,
            "owner": rng.choice(owners + [None]),
            "created_at": created, "updated_at": created + datetime.timedelta(days=rng.uniform(0, 30)),
            **{f"consent_{channel}": rng.choice(CONSENT_STATUSES) for channel in CHANNELS},
        }
        for name in OTHER_TEXT:
            row[name] = rng.choice(["", "x", "X", "تهران"])
        contact = Contact.create(**row)
        row = Contact.select().where(Contact.id == contact.id).dicts().get()  # every column, as stored
        row.update(tags=set(rng.sample(TAGS, rng.randrange(3))), custom={})
        for name in row["tags"]:
            ContactTag.create(contact=row["id"], tag=tags[name])
        for key, field in fields.items():
            if rng.random() < 0.6:
                value = _random_value(rng, field.kind, field.choices, now)
                ContactFieldValue.create(contact=row["id"], field=field.id, **{field.value_column: value})
                row["custom"][key] = value
        contacts.append(row)
    return {"contacts": contacts, "now": now, "segments": _segments(), "owners": owners}


def _random_value(rng, kind, choices, now):
    if kind == "number":
        return rng.choice([0, 1, 2.5, 10, 50, 99, -3, rng.randrange(-10, 110)])
    if kind == "date":
        return (now + datetime.timedelta(days=rng.randrange(-60, 60))).date()
    if kind == "choice":
        return rng.choice(choices)
    if kind == "boolean":
        return rng.random() < 0.5
    return rng.choice(NOTES)


def _segments():
    """Saved segments the random filters may include: {id: tree}."""
    first = save_segment("In Tehran", {"any": [{"field": "city", "op": "eq", "value": "Tehran"},
                                               {"field": "city", "op": "contains", "value": "تهران"}]})
    second = save_segment("Keen", {"all": [{"op": "has_tag", "value": "vip"},
                                           {"field": "custom.score", "op": "gte", "value": 10}]})
    third = save_segment("Keen outside Tehran", {"all": [{"op": "in_segment", "value": second.id},
                                                         {"op": "not_in_segment", "value": first.id}]})
    import json

    return {s.id: json.loads(s.filter_json) for s in (first, second, third)}


# --- the reference evaluator -----------------------------------------------------------------

def evaluate(tree, contact, world):
    """Whether `contact` matches `tree` (a valid filter in normal form)."""
    if "all" in tree:
        return all(evaluate(child, contact, world) for child in tree["all"])
    if "any" in tree:
        return any(evaluate(child, contact, world) for child in tree["any"])
    if "not" in tree:
        return not evaluate(tree["not"], contact, world)
    op, value = tree["op"], tree.get("value")
    negated = {"ne": "eq", "not_in": "in", "is_not_empty": "is_empty", "lacks_tag": "has_tag",
               "not_in_segment": "in_segment"}
    if op in negated:
        return not evaluate({**tree, "op": negated[op]}, contact, world)
    if op == "has_tag":
        return value in contact["tags"]
    if op == "in_segment":
        return evaluate(world["segments"][value], contact, world)
    field = tree["field"]
    if field.startswith("custom."):
        return _matches(contact["custom"].get(field[len("custom."):]), op, value, world)
    column = field.replace("consent.", "consent_")
    if column in ("created_at", "updated_at"):
        return _moment(contact[column], op, value, world["now"])
    return _matches(contact[column], op, value, world)


def _matches(stored, op, value, world):
    if op == "is_empty":
        return stored is None or stored == ""
    if stored is None:
        return False
    if isinstance(stored, datetime.date):
        value = [datetime.date.fromisoformat(v) for v in value] if isinstance(value, list) \
            else datetime.date.fromisoformat(value)
    if op == "eq":
        return stored == value
    if op == "in":
        return stored in value
    if op == "contains":
        return ascii_fold(value) in ascii_fold(stored)
    if op == "starts_with":
        return ascii_fold(stored).startswith(ascii_fold(value))
    if op == "between":
        return value[0] <= stored <= value[1]
    return {"gt": stored > value, "gte": stored >= value, "lt": stored < value, "lte": stored <= value}[op]


def _moment(stored, op, value, now):
    if op == "within_days":
        return stored >= now - datetime.timedelta(days=value)
    if op == "older_than_days":
        return stored < now - datetime.timedelta(days=value)
    day = stored.date()
    if op == "between":
        return datetime.date.fromisoformat(value[0]) <= day <= datetime.date.fromisoformat(value[1])
    return _matches(day, op, value, None)
