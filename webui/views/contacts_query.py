"""The contacts list's query: search, filters, sorting, keyset pages and a bounded count.

Built to stay fast at a million contacts:
- pages are found by keyset — the sort key and id of the row before (or after) — never by
  OFFSET, so the thousandth page costs what the first does;
- the number of matches is counted only up to COUNT_CAP ("more than 10,000"), and not at all
  when the first page already holds every match;
- search uses indexes where the query allows: an email prefix, an exact phone number (normalised
  like stored ones, Persian and Arabic digits included) or an E.164 prefix. Words are matched
  against names and company as prefixes, which scans, but stops as soon as a page is full.
"""
import operator
import re
from dataclasses import dataclass, fields, replace
from functools import reduce

import phonenumbers
from peewee import Tuple, Value, fn

from chapar.contacts import default_region, normalise_phone
from chapar.errors import FieldError
from chapar.models import CHANNELS, CONSENT_STATUSES, SOURCES, Contact, ContactTag, Tag

PAGE_SIZE = 50
COUNT_CAP = 10_000
LARGE_TAG = 5_000  # measured crossover at 1M contacts; see tag_condition
SORTS = {
    "name": (Contact.last_name, Contact.first_name, Contact.id),
    "created": (Contact.created_at, Contact.id),
    "updated": (Contact.updated_at, Contact.id),
}
DEFAULT_SORT = "-created"
SORT_CHOICES = tuple(f"{sign}{key}" for key in SORTS for sign in ("", "-"))

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]{3,}$")
# Persian typed on an Arabic keyboard (and the reverse) uses other code points for ye and kaf.
_SPELLINGS = (str.maketrans("يك", "یک"), str.maketrans("یک", "يك"))
_LAST_CHAR = "\U0010ffff"


def prefix_match(field, prefix):
    """`field` starts with `prefix`, as an index range (both databases compare code points here)."""
    return (field >= prefix) & (field < prefix + _LAST_CHAR)


def _word_condition(word):
    spellings = {word, *(word.translate(table) for table in _SPELLINGS)}
    columns = (Contact.first_name, Contact.last_name, Contact.company)
    found = [column.startswith(s) for s in spellings for column in columns]
    if word.isascii():
        found.append(prefix_match(Contact.email, word.lower()))  # "sara.k" finds sara.karimi@…
    return reduce(operator.or_, found)


def _ids_with(*conditions):
    """Contact.id IN (one indexed lookup per condition): the planners walk the sort index instead
    when they see the conditions OR-ed in the main query, which costs a scan at a million rows."""
    lookups = [Contact.select(Contact.id).where(condition) for condition in conditions]
    return Contact.id.in_(reduce(operator.or_, lookups))


def _phone_condition(text, region):
    """An exact match for a whole number; an E.164 prefix for the start of one."""
    try:
        number = normalise_phone(text, region)
        return _ids_with(Contact.mobile == number, Contact.fax == number)
    except FieldError:
        pass
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+"):
        prefix = "+" + digits
    elif digits.startswith("00"):
        prefix = "+" + digits[2:]
    elif region and phonenumbers.country_code_for_region(region.upper()):
        # A national number: the trunk "0" gives way to the country code, as in E.164.
        prefix = f"+{phonenumbers.country_code_for_region(region.upper())}{digits[1:] if digits[:1] == '0' else digits}"
    else:
        return Contact.mobile.contains(digits) | Contact.fax.contains(digits)
    return prefix_match(Contact.mobile, prefix) | prefix_match(Contact.fax, prefix)


def search_condition(q, region=None):
    """The condition for the search box: an email, a phone number, or words of names."""
    q = " ".join((q or "").split())
    if not q:
        return None
    ascii_q = q.translate(_DIGITS)
    if "@" in q:
        return prefix_match(Contact.email, q.lower())
    if _PHONE_LIKE.match(ascii_q) and sum(ch.isdigit() for ch in ascii_q) >= 3:
        return _phone_condition(ascii_q, default_region() if region is None else region)
    return reduce(operator.and_, [_word_condition(word) for word in q.split()])


def tag_condition(name):
    """Contacts carrying the tag `name`, phrased for the tag's size.

    A small tag's contacts are read from the tag index and sorted (IN); for a large one, walking
    the sort order and probing each contact's tags (EXISTS) fills a page long before that.
    """
    tag = Tag.get_or_none(Tag.name == name)
    if tag is None:
        return Contact.id.in_([])
    links = ContactTag.select(ContactTag.contact).where(ContactTag.tag == tag.id)
    if links.limit(LARGE_TAG + 1).count() <= LARGE_TAG:
        return Contact.id.in_(links)
    return fn.EXISTS(ContactTag.select(Value(1)).where((ContactTag.contact == Contact.id)
                                                       & (ContactTag.tag == tag.id)))


@dataclass(frozen=True)
class ContactFilter:
    """What the list shows, read from (and written back to) the query string."""

    q: str = ""
    tag: str = ""  # a tag name
    consent: str = ""  # "<channel>:<status>"
    source: str = ""
    dnc: str = ""  # "yes", "no" or "" for either
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args):
        """The filter in `args` (a MultiDict); values it does not know are dropped, never an error."""
        values = {f.name: " ".join(str(args.get(f.name, "")).split())[:200] for f in fields(cls)}
        channel, _, status = values["consent"].partition(":")
        if channel not in CHANNELS or status not in CONSENT_STATUSES:
            values["consent"] = ""
        if values["source"] not in SOURCES:
            values["source"] = ""
        if values["dnc"] not in ("yes", "no"):
            values["dnc"] = ""
        if values["sort"] not in SORT_CHOICES:
            values["sort"] = DEFAULT_SORT
        return cls(**values)

    def args(self, **changes):
        """The query arguments that reproduce this filter (defaults left out)."""
        chosen = replace(self, **changes)
        return {f.name: getattr(chosen, f.name) for f in fields(chosen)
                if getattr(chosen, f.name) and getattr(chosen, f.name) != f.default}

    @property
    def narrowed(self):
        """True when anything but the order is chosen."""
        return any(value for key, value in self.args().items() if key != "sort")

    def conditions(self):
        found = []
        searched = search_condition(self.q)
        if searched is not None:
            found.append(searched)
        if self.tag:
            found.append(tag_condition(self.tag))
        if self.consent:
            channel, _, status = self.consent.partition(":")
            found.append(getattr(Contact, f"consent_{channel}") == status)
        if self.source:
            found.append(Contact.source == self.source)
        if self.dnc:
            found.append(Contact.do_not_contact == (self.dnc == "yes"))
        return found

    def query(self, *columns):
        query = Contact.select(*columns)
        for condition in self.conditions():
            query = query.where(condition)
        return query

    def selection(self):
        """The ids of every matching contact, for bulk actions."""
        return self.query(Contact.id)

    def count(self, cap=None):
        """(number of matches up to `cap` (COUNT_CAP), whether there are more)."""
        cap = cap or COUNT_CAP
        found = self.query(Value(1)).limit(cap + 1).count()
        return min(found, cap), found > cap


@dataclass
class ContactPage:
    items: list
    has_previous: bool
    has_next: bool


def _key_values(contact_id, columns):
    row = Contact.select(*columns).where(Contact.id == contact_id).tuples().first()
    if row is None:
        return None
    return [Value(value, converter=column.db_value) for value, column in zip(row, columns)]


def page_of(contact_filter, after=None, before=None, per_page=None):
    """One page of matches: after the contact `after`, before the contact `before`, or the first.

    A cursor naming a contact that no longer exists shows the first page.
    """
    per_page = per_page or PAGE_SIZE
    descending = contact_filter.sort.startswith("-")
    columns = SORTS[contact_filter.sort.lstrip("-")]
    cursor_id, backwards = (before, True) if before else (after, False)
    cursor = _key_values(cursor_id, columns) if cursor_id else None
    query = contact_filter.query(Contact)
    if cursor is not None:
        # Moving back means reading the list the other way round from the cursor, then flipping.
        forward_op = operator.lt if descending != backwards else operator.gt
        query = query.where(forward_op(Tuple(*columns), Tuple(*cursor)))
    reverse = descending != (backwards and cursor is not None)
    query = query.order_by(*[column.desc() if reverse else column.asc() for column in columns])
    rows = list(query.limit(per_page + 1))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if cursor is not None and backwards:
        return ContactPage(items=rows[::-1], has_previous=more, has_next=True)
    return ContactPage(items=rows, has_previous=cursor is not None, has_next=more)
