"""What a CSV column can be imported into, and guessing it from the column's header.

A target is a core field name ("email"), "full_name" (split into first and last name), "tags"
(names separated by commas) or "field:<key>" for a custom field. Headers are matched in English
and Persian, ignoring case, spaces, underscores, hyphens, the zero-width non-joiner and the
Arabic forms of ye and kaf; custom fields match by key and by label.
"""
import re
import unicodedata

from flask_babel import lazy_gettext as _l

from ..service import EDITABLE_FIELDS

FULL_NAME, TAGS, CUSTOM_PREFIX = "full_name", "tags", "field:"
KEY_FIELDS = ("email", "mobile")

FIELD_LABELS = {
    "first_name": _l("First name"), "last_name": _l("Last name"), FULL_NAME: _l("Full name (split in two)"),
    "email": _l("Email"), "mobile": _l("Mobile"), "fax": _l("Fax"), "company": _l("Company"),
    "job_title": _l("Job title"), "address_line1": _l("Address line 1"), "address_line2": _l("Address line 2"),
    "city": _l("City"), "region": _l("Region or province"), "postal_code": _l("Postal code"),
    "country": _l("Country code"), "language": _l("Language"), "time_zone": _l("Time zone"),
    "source": _l("Source"), "utm_source": _l("UTM source"), "utm_medium": _l("UTM medium"),
    "utm_campaign": _l("UTM campaign"), "utm_term": _l("UTM term"), "utm_content": _l("UTM content"),
    TAGS: _l("Tags (comma-separated)"),
}

# Header spellings per target, written naturally; _simplify() makes the comparison loose.
_SYNONYMS = {
    "first_name": ("first name", "firstname", "first", "given name", "forename", "نام", "اسم", "نام کوچک"),
    "last_name": ("last name", "lastname", "surname", "family name", "family", "نام خانوادگی", "فامیلی",
                  "فامیل", "شهرت"),
    FULL_NAME: ("name", "full name", "fullname", "contact name", "نام و نام خانوادگی", "نام کامل",
                "نام و فامیل", "نام‌ونام‌خانوادگی"),
    "email": ("email", "e-mail", "email address", "mail", "ایمیل", "آدرس ایمیل", "نشانی ایمیل",
              "پست الکترونیک", "پست الکترونیکی", "رایانامه"),
    "mobile": ("mobile", "mobile phone", "mobile number", "cell", "cell phone", "cellphone", "phone",
               "phone number", "telephone", "tel", "موبایل", "تلفن همراه", "شماره موبایل", "شماره همراه",
               "همراه", "تلفن", "شماره تلفن"),
    "fax": ("fax", "fax number", "فکس", "نمابر", "دورنگار", "شماره فکس"),
    "company": ("company", "company name", "organization", "organisation", "org", "business", "شرکت",
                "نام شرکت", "سازمان", "نام سازمان"),
    "job_title": ("job title", "title", "position", "role", "سمت", "عنوان شغلی", "شغل", "پست سازمانی"),
    "address_line1": ("address", "address line 1", "address1", "street", "street address", "آدرس", "نشانی",
                      "آدرس پستی", "نشانی پستی"),
    "address_line2": ("address line 2", "address2", "آدرس ۲", "آدرس 2", "ادامه آدرس"),
    "city": ("city", "town", "شهر"),
    "region": ("region", "state", "province", "county", "استان", "منطقه"),
    "postal_code": ("postal code", "postcode", "zip", "zip code", "کد پستی", "کدپستی"),
    "country": ("country", "country code", "کشور"),
    "language": ("language", "lang", "locale", "زبان"),
    "time_zone": ("time zone", "timezone", "tz", "منطقه زمانی"),
    "source": ("source", "lead source", "منبع"),
    TAGS: ("tags", "tag", "labels", "label", "lists", "برچسب", "برچسب ها", "برچسب‌ها", "تگ", "تگ ها"),
}
_IGNORED = re.compile(r"[\s_\-.:/()\u200c\u200f\u200e]+")
_PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ة": "ه", "ۀ": "ه"})


def _simplify(text):
    text = unicodedata.normalize("NFKC", str(text)).translate(_PERSIAN_LETTERS).casefold()
    return _IGNORED.sub("", text)


_BY_SPELLING = {_simplify(name): name for name in EDITABLE_FIELDS}  # the export's own headers
for _target, _spellings in _SYNONYMS.items():
    for _spelling in (_target, *_spellings):
        _BY_SPELLING.setdefault(_simplify(_spelling), _target)


def custom_target(key):
    return CUSTOM_PREFIX + key


def all_targets(custom_fields):
    """[(target, label)] in the order the mapping page offers them."""
    core = [(name, FIELD_LABELS.get(name, name)) for name in ("first_name", "last_name", FULL_NAME)]
    core += [(name, FIELD_LABELS.get(name, name)) for name in EDITABLE_FIELDS if name not in ("first_name",
                                                                                           "last_name")]
    core.append((TAGS, FIELD_LABELS[TAGS]))
    return core + [(custom_target(f.key), f.label) for f in custom_fields]


def target_label(target, custom_fields=()):
    if target.startswith(CUSTOM_PREFIX):
        key = target[len(CUSTOM_PREFIX):]
        return next((f.label for f in custom_fields if f.key == key), key)
    return str(FIELD_LABELS.get(target, target))


def suggest_mapping(header, custom_fields=()):
    """{column index: target} guessed from the header; each target is suggested once, to the
    first column that fits. Custom fields win over core synonyms for their exact key or label."""
    custom = {}
    for field in custom_fields:
        for spelling in (field.key, field.label):
            custom.setdefault(_simplify(spelling), custom_target(field.key))
    taken, mapping = set(), {}
    for index, name in enumerate(header):
        simple = _simplify(name)
        target = custom.get(simple) or _BY_SPELLING.get(simple)
        if target and target not in taken:
            mapping[index] = target
            taken.add(target)
    # A "name" column beside a last-name column holds first names, as «نام» does.
    if FULL_NAME in taken and "last_name" in taken and "first_name" not in taken:
        for index, target in mapping.items():
            if target == FULL_NAME:
                mapping[index] = "first_name"
    return mapping


def check_mapping(mapping, key, custom_keys):
    """Problems with a chosen mapping ({index: target}), as a list of (code, target) pairs:
    unknown targets, a target chosen twice, the key not mapped, full name with first/last name."""
    problems, seen = [], set()
    valid = set(FIELD_LABELS) | set(EDITABLE_FIELDS) | {custom_target(k) for k in custom_keys}
    for target in mapping.values():
        if target not in valid:
            problems.append(("unknown_target", target))
        elif target in seen:
            problems.append(("duplicate_target", target))
        seen.add(target)
    if key not in KEY_FIELDS:
        problems.append(("unknown_key", key))
    elif key not in seen:
        problems.append(("key_not_mapped", key))
    if FULL_NAME in seen and seen & {"first_name", "last_name"}:
        problems.append(("full_name_and_parts", FULL_NAME))
    return problems
