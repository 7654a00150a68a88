"""phonenumbers' metadata of each calling code, compiled once: validity and type of a national number,
and how parse() splits a "+<digits>" number, without phonenumbers.parse.

phonenumbers looks every pattern up and matches it again on each is_valid_number or number_type
call, and parse() costs about 15 µs; the importer and an SMS launch judge every contact's number.
The rules here are phonenumbers' own (_number_type_helper, _extract_country_code,
_maybe_strip_national_prefix_carrier_code), applied with each calling code's patterns compiled
once. tests/test_phones.py and tests/test_import_normalise.py compare them with phonenumbers.
"""
import functools
import re

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

# The kinds phonenumbers.number_type tries before fixed line and mobile, in its order.
_SPECIAL_KINDS = (("premium_rate", PhoneNumberType.PREMIUM_RATE), ("toll_free", PhoneNumberType.TOLL_FREE),
                  ("shared_cost", PhoneNumberType.SHARED_COST), ("voip", PhoneNumberType.VOIP),
                  ("personal_number", PhoneNumberType.PERSONAL_NUMBER), ("pager", PhoneNumberType.PAGER),
                  ("uan", PhoneNumberType.UAN), ("voicemail", PhoneNumberType.VOICEMAIL))


def _desc_check(desc):
    """(allowed lengths or None, compiled pattern) of a PhoneNumberDesc, None if it matches nothing."""
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length) or None, re.compile(desc.national_number_pattern)


def _matches(national, check):
    """phonenumbers' _is_number_matching_desc: the possible lengths, then a full match of the pattern."""
    if check is None:
        return False
    lengths, pattern = check
    return (lengths is None or len(national) in lengths) and pattern.fullmatch(national) is not None


class CallingCode:
    """What the fast paths need about one calling code, worked out once.

    `single`: the code belongs to one region, so validity and type can be judged here (a shared
    code such as +1 or +44 picks its region by the number: phonenumbers must). `plain_prefix`: the
    national prefix as digits ("" for none) when it is plain digits with no transform rule, so
    stripping it is a startswith(); None otherwise.
    """

    __slots__ = ("code", "digits", "single", "prefix_match", "plain_prefix", "dialling_out", "local_only", "general",
                 "mobile",
                 "fixed", "special", "same")

    def __init__(self, code, single, metadata):
        self.code, self.digits, self.single = code, str(code), single
        pattern = metadata.national_prefix_for_parsing or ""
        self.prefix_match = re.compile(pattern).match if pattern else None
        plain = (not pattern or pattern.isdigit()) and not metadata.national_prefix_transform_rule
        self.plain_prefix = pattern if plain else None
        # The prefix dialled to call abroad from here (00, 011, Israel's 01x…): parse() reads what follows
        # as an international number.
        self.dialling_out = re.compile(metadata.international_prefix).match if metadata.international_prefix else None
        self.local_only = frozenset(metadata.general_desc.possible_length_local_only)
        self.general = _desc_check(metadata.general_desc)
        self.mobile, self.fixed = _desc_check(metadata.mobile), _desc_check(metadata.fixed_line)
        self.special = tuple((check, kind) for name, kind in _SPECIAL_KINDS
                             if (check := _desc_check(getattr(metadata, name))) is not None)
        self.same = metadata.same_mobile_and_fixed_line_pattern

    def is_valid(self, national):
        """phonenumbers.is_valid_number for a national number of this (single-region) code: the
        general description and at least one type's; mobile and fixed line first, as the likeliest."""
        if not _matches(national, self.general):
            return False
        return (_matches(national, self.mobile) or _matches(national, self.fixed)
                or any(_matches(national, check) for check, _ in self.special))

    def number_type(self, national):
        """phonenumbers.number_type for a national number of this (single-region) code, in its order."""
        if not _matches(national, self.general):
            return PhoneNumberType.UNKNOWN
        for check, kind in self.special:
            if _matches(national, check):
                return kind
        if _matches(national, self.fixed):
            if self.same or _matches(national, self.mobile):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same and _matches(national, self.mobile):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


@functools.cache
def calling_code(code):
    """The CallingCode of `code` (its main region's metadata, as parse() uses), or None when
    phonenumbers has no metadata for it. Cached: there are about 250 codes."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    if not regions:
        return None
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
    return CallingCode(code, len(regions) == 1, metadata) if metadata is not None else None


@functools.lru_cache(maxsize=512)
def region_calling_code(region):
    """The CallingCode of a two-letter region (any case), or None."""
    return calling_code(phonenumbers.country_code_for_region(region.upper())) if region else None


def code_of(digits):
    """The calling code phonenumbers reads from the digits after a "+" (1 to 3 of them), or 0."""
    if not digits or digits[0] == "0":
        return 0
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code
    return 0


def split_e164(text):
    """(CallingCode, national number digits) of "+<digits>" exactly as parse() finds them, or None
    wherever parse() could read it otherwise: no known calling code, a 0 after it (Italian leading
    zeros, kept by parse()), or digits the national prefix pattern matches (parse() may strip them)."""
    code = code_of(text[1:])
    found = calling_code(code) if code else None
    if found is None:
        return None
    national = text[1 + len(found.digits):]
    if not national or national[0] == "0" or (found.prefix_match and found.prefix_match(national)):
        return None
    return found, national
