"""Turning one row's raw values into what is stored, naming every problem instead of stopping.

The rules are chapar.contacts' (the same normalisers, lengths and custom field parsing), applied
field by field without a query per row so that a batch of thousands is cleaned in pure Python.
An empty cell means "no value here": it never blanks out what a contact already has.
"""
import re
import zoneinfo
from dataclasses import dataclass, field
from functools import lru_cache

from ...csv_stream import FORMULA_START
from ...errors import FieldError
from ...models import SOURCES
from ..fields import parse_value
from ..normalise import normalise_country
from ..service import TEXT_FIELDS
from ..tags import clean_tag_names
from .fastnorm import fast_email, fast_phone
from .reasons import Problem
from .targets import CUSTOM_PREFIX, FULL_NAME, TAGS

_TAG_SEPARATORS = re.compile(r"[,،;]")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


@dataclass(slots=True)
class CleanRow:
    line: int  # the CSV line, or the item's index in an API call
    cells: list  # as read, for the failed-rows file
    values: dict = field(default_factory=dict)  # core column -> stored value
    custom: dict = field(default_factory=dict)  # CustomField -> typed value
    tags: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    outcome: str = ""  # created, updated, skipped or failed, once written
    contact_id: int = None

    def fail(self, problem):
        self.problems.append(problem)
        self.outcome = "failed"


def failed_row(line, cells, code, params=None):
    return CleanRow(line, cells, problems=[Problem(code, params=params or {})], outcome="failed")


@lru_cache(maxsize=1)
def _time_zones():
    return frozenset(zoneinfo.available_timezones())  # reads the tz database: once per process


class RowCleaner:
    """Cleans (target, raw value) pairs into a CleanRow for an import keyed by `key`."""

    def __init__(self, key, custom_fields=(), region="", owner_ids=None, key_label=None):
        self.key = key
        self.key_label = key if key_label is None else key_label
        self.region = region
        self.custom = {f.key: f for f in custom_fields}
        self.owner_ids = owner_ids  # a set of user ids, when owner_id is accepted (the API)
        self._special = {"email": self._email, "mobile": self._phone, "fax": self._phone,
                         "country": self._country, "time_zone": self._time_zone, "source": self._source,
                         "owner_id": self._owner, FULL_NAME: self._full_name, TAGS: self._tags}
        self._handlers = {}

    def clean(self, line, pairs, cells=()):
        """A CleanRow from `pairs` of (target, raw value); None and blank values are left out."""
        row = CleanRow(line, cells)
        for target, raw in pairs:
            if raw is None:
                continue
            if isinstance(raw, str):
                # Chapar's own CSV files quote formula-like cells; take the quote off again.
                if raw[:1] == "'" and raw[1:2] in FORMULA_START:
                    raw = raw[1:]
                raw = raw.strip()
                if not raw:
                    continue
                if "\x00" in raw:
                    row.problems.append(Problem("nul_character", target))
                    continue
            handler = self._handlers.get(target) or self._handler(target)
            try:
                handler(row, target, raw)
            except FieldError as exc:
                limit = TEXT_FIELDS.get(target, TEXT_FIELDS["first_name"] if target == FULL_NAME else 500)
                row.problems.append(Problem(exc.code, target, {"limit": limit}))
        if not row.problems and not row.values.get(self.key):
            row.problems.append(Problem("missing_key", params={"key": self.key_label}))
        if row.problems:
            row.outcome = "failed"
        return row

    def _handler(self, target):
        """The function that cleans values for `target`, made once per target (rows are many)."""
        limit = TEXT_FIELDS.get(target)
        if limit is not None:
            def handler(row, target, raw):
                text = raw if isinstance(raw, str) else str(raw)
                if len(text) > limit:
                    raise FieldError(target, "too_long", "")
                row.values[target] = text
        elif target in self._special:
            handler = self._special[target]
        elif target.startswith(CUSTOM_PREFIX) and target[len(CUSTOM_PREFIX):] in self.custom:
            found = self.custom[target[len(CUSTOM_PREFIX):]]

            def handler(row, target, raw):
                value = parse_value(found, raw)
                if value is not None:
                    row.custom[found] = value
        else:
            def handler(row, target, raw):
                row.problems.append(Problem("unknown_field", target))
        self._handlers[target] = handler
        return handler

    @staticmethod
    def _text(raw):
        if not isinstance(raw, str):
            raise FieldError("", "invalid_value", "")
        return raw

    def _email(self, row, target, raw):
        row.values[target] = fast_email(self._text(raw))

    def _phone(self, row, target, raw):
        text = self._text(raw)
        try:
            row.values[target] = fast_phone(text, self.region, field=target)
        except FieldError:
            if not self.region and not text.translate(_DIGITS).startswith(("+", "00")):
                raise FieldError(target, "phone_without_country", "") from None  # say what would fix it
            raise

    def _country(self, row, target, raw):
        row.values[target] = normalise_country(self._text(raw))

    def _time_zone(self, row, target, raw):
        if raw not in _time_zones():
            raise FieldError(target, "invalid_time_zone", "")
        row.values[target] = raw

    def _source(self, row, target, raw):
        if raw not in SOURCES:
            raise FieldError(target, "invalid_source", "")
        row.values[target] = raw

    def _owner(self, row, target, raw):
        if self.owner_ids is None or isinstance(raw, bool) or raw not in self.owner_ids:
            raise FieldError(target, "invalid_owner", "")
        row.values[target] = raw

    def _full_name(self, row, target, raw):
        first, _, last = self._text(raw).partition(" ")
        for name, part in (("first_name", first), ("last_name", last.strip())):
            if len(part) > TEXT_FIELDS[name]:
                raise FieldError(target, "too_long", "")
            if part:
                row.values[name] = part

    def _tags(self, row, target, raw):
        names = raw if isinstance(raw, (list, tuple)) else _TAG_SEPARATORS.split(self._text(raw))
        try:
            row.tags.extend(clean_tag_names(names))
        except ValueError:
            raise FieldError(target, "invalid_tag", "") from None


def column_pairs(mapping, cells):
    """(target, cell) pairs of a CSV row for a mapping of [(column index, target)]."""
    return [(target, cells[index]) for index, target in mapping if index < len(cells)]
