"""What a merge tag can see of a contact, and the names the compose-time check accepts.

Empty values (None, "", blank text, empty lists) are stored as jinja2 Undefined rather than "":
``{{ contact.first_name|default("مشتری گرامی") }}`` then shows the default for a contact whose
first name is empty, which is what a marketer expects; plain ``default`` only replaces Undefined.
Unknown keys are Undefined too, so a tag naming a deleted custom field renders empty.
"""
from jinja2 import ChainableUndefined, Undefined

CONTACT_FIELDS = (
    "first_name", "last_name", "full_name", "email", "mobile", "fax", "company", "job_title",
    "city", "region", "postal_code", "country", "language", "address_line1", "address_line2",
)


class MergeDict(dict):
    """A dict whose missing keys are Undefined (the sandbox reads `a.b` on dicts as a["b"])."""

    __slots__ = ("_prefix",)

    def __init__(self, values, prefix):
        super().__init__(values)
        self._prefix = prefix

    def __missing__(self, key):
        return ChainableUndefined(name=f"{self._prefix}.{key}")

    def __repr__(self):  # what {{ contact }} shows: the values it has, not a list of Undefined
        return repr({key: value for key, value in self.items() if not isinstance(value, Undefined)})


def _is_empty(value):
    if value.__class__ is str:  # the common case first: this runs for every field of every message
        return not value or value.isspace()
    return value is None or (isinstance(value, str) and not value.strip()) or \
        (isinstance(value, (list, tuple, set, frozenset, dict)) and not value)


def _merge_value(value, name):
    return ChainableUndefined(name=name) if _is_empty(value) else value


# (field, what an empty value is): Undefined objects are never changed, so one per field serves
# every contact (making nine of them per message was most of the cost of this function).
_CONTACT_EMPTY = tuple((name, ChainableUndefined(name=f"contact.{name}")) for name in CONTACT_FIELDS)


def contact_context(contact, field_values: dict | None = None) -> dict:
    """The `contact` merge object for a Contact row (or any object with its attributes).

    ``field_values`` maps custom field keys to values; they appear under ``contact.fields``.
    """
    values = {}
    for name, empty in _CONTACT_EMPTY:
        value = getattr(contact, name, None)
        if name == "full_name" and value is None:
            value = " ".join(part for part in (getattr(contact, "first_name", None),
                                               getattr(contact, "last_name", None)) if part)
        values[name] = empty if _is_empty(value) else value
    fields = {key: _merge_value(value, f"contact.fields.{key}") for key, value in (field_values or {}).items()}
    values["fields"] = MergeDict(fields, "contact.fields")
    return MergeDict(values, "contact")


def known_names(custom_field_keys, links=()) -> dict:
    """The ``known`` argument of check(): contact (with its custom fields), links, program, campaign."""
    contact = {name: () for name in CONTACT_FIELDS}
    contact["fields"] = frozenset(custom_field_keys)
    return {
        "contact": contact,
        "links": frozenset(links),
        "program": frozenset({"name"}),
        "campaign": frozenset({"name"}),
    }
