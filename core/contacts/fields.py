"""Reading and writing typed custom field values."""
import datetime
import json
import math
import re

from ..errors import FieldError
from ..models import FIELD_KINDS, Contact, ContactFieldValue, CustomField

_TRUE = {"1", "true", "yes", "y", "on", "بله", "آری"}
_FALSE = {"0", "false", "no", "n", "off", "خیر", "نه"}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Keys that already mean something on a contact: a custom field named "email" would be shadowed
# by the core field in every form, filter and CSV header.
RESERVED_KEYS = frozenset(Contact._meta.fields) | {"tags", "custom_fields", "full_name", "consent", "owner_id"}


def parse_value(field, raw):
    """The typed value of `raw` for `field`, None for empty; FieldError naming the field otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    name = field.key
    kind = field.kind
    if kind == "text":
        text = str(raw).strip()
        if len(text) > 500:
            raise FieldError(name, "too_long", f"{name}: at most 500 characters")
        return text
    if kind == "choice":
        text = str(raw).strip()
        if text not in field.choices:
            raise FieldError(name, "invalid_choice", f"{name}: {text!r} is not one of {', '.join(field.choices)}")
        return text
    if kind == "number":
        if isinstance(raw, bool):
            raise FieldError(name, "invalid_number", f"{name}: expected a number")
        try:
            number = float(str(raw).strip().translate(_PERSIAN_DIGITS).replace(",", ""))
        except ValueError:
            raise FieldError(name, "invalid_number", f"{name}: expected a number, got {raw!r}") from None
        if not math.isfinite(number):  # "nan", "inf" and 1e999 parse, but no filter or JSON can use them
            raise FieldError(name, "invalid_number", f"{name}: expected a finite number, got {raw!r}")
        return number
    if kind == "date":
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw).strip().translate(_PERSIAN_DIGITS))
        except ValueError:
            raise FieldError(name, "invalid_date", f"{name}: expected a date as YYYY-MM-DD, got {raw!r}") from None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(name, "invalid_boolean", f"{name}: expected yes or no, got {raw!r}")


def define_field(key, label, kind, choices=(), position=0):
    """Create a custom field definition after checking it."""
    key = (key or "").strip().lower()
    if not _KEY.match(key):
        raise FieldError("key", "invalid_key", "a key starts with a letter and uses a-z, 0-9 and _ (64 at most)")
    if key in RESERVED_KEYS:
        raise FieldError("key", "reserved_key", f"{key!r} is a built-in contact field; choose another key")
    if kind not in FIELD_KINDS:
        raise FieldError("kind", "invalid_kind", f"kind must be one of {', '.join(FIELD_KINDS)}")
    choices = [str(c).strip() for c in choices if str(c).strip()]
    if kind == "choice" and not choices:
        raise FieldError("choices", "no_choices", "a choice field needs at least one choice")
    if CustomField.select().where(CustomField.key == key).exists():
        raise FieldError("key", "duplicate", f"a custom field with key {key!r} already exists")
    return CustomField.create(key=key, label=(label or key).strip()[:200], kind=kind,
                              choices_json=json.dumps(choices, ensure_ascii=False), position=position)


def set_values(contact_id, values_by_field):
    """Store {CustomField: typed value}; None removes the value."""
    for field, value in values_by_field.items():
        if value is None:
            ContactFieldValue.delete().where((ContactFieldValue.contact == contact_id)
                                             & (ContactFieldValue.field == field)).execute()
            continue
        row = {"contact": contact_id, "field": field, field.value_column: value}
        column = getattr(ContactFieldValue, field.value_column)
        (ContactFieldValue.insert(row)
         .on_conflict(conflict_target=[ContactFieldValue.contact, ContactFieldValue.field],
                      update={column: value})
         .execute())


def values_of(contact):
    """{key: typed value} for one contact."""
    rows = (ContactFieldValue.select(ContactFieldValue, CustomField).join(CustomField)
            .where(ContactFieldValue.contact == contact))
    return {row.field.key: row.value for row in rows}
