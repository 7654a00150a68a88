"""Fast paths for normalising emails and phone numbers, exactly equal to chapar.contacts.normalise.

email_validator and phonenumbers.parse cost about 25 and 15 µs a call, which alone would cap an
import far below the speed target. The common shapes (a plain ASCII address; digits with an
optional "+" and separators) are handled here in a few microseconds; anything else, and anything
the fast path is not sure about, goes to the shared functions, so the result is always the one
they would give (tests/test_import_normalise.py compares the two on random input).
"""
import functools
import re

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from ..normalise import normalise_email, normalise_phone

# A dot-atom local part and a hostname of LDH labels with a letters-only top-level domain: the
# subset of addresses email_validator accepts and returns unchanged but for case. Labels with
# "--" (IDNA's reserved form) are left to email_validator.
_SIMPLE_EMAIL = re.compile(
    r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_SPECIAL_TLDS = frozenset(SPECIAL_USE_DOMAIN_NAMES)

# Persian and Arabic-Indic digits to ASCII, and the separators people type dropped, in one pass.
_PHONE_TEXT = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789", " -.()")
_DIGITS = re.compile(r"\+?[0-9]{2,17}")


def fast_email(value):
    """normalise_email(value), computed without email_validator for plain addresses."""
    value = value.strip()
    if not value:
        return None
    if len(value) <= 254 and _SIMPLE_EMAIL.fullmatch(value) and "--" not in value:
        local, _, domain = value.rpartition("@")
        tld = domain.rpartition(".")[2].lower()
        if len(local) <= 64 and len(domain) <= 253 and tld not in _SPECIAL_TLDS:
            return value.lower()
    return normalise_email(value)


class _Plan:
    """What the fast path needs about one calling code, worked out once."""

    __slots__ = ("code", "digits", "prefix", "local_only", "general", "types")

    def __init__(self, code, metadata):
        self.code, self.digits = code, str(code)
        self.prefix = metadata.national_prefix_for_parsing or ""
        self.local_only = frozenset(metadata.general_desc.possible_length_local_only)
        self.general = _desc_check(metadata.general_desc)
        # phonenumbers' _number_type_helper: valid = the general description and at least one
        # type's; mobile and fixed line first, as the likeliest.
        descs = (metadata.mobile, metadata.fixed_line, metadata.premium_rate, metadata.toll_free,
                 metadata.shared_cost, metadata.voip, metadata.personal_number, metadata.pager, metadata.uan,
                 metadata.voicemail)
        self.types = tuple(check for check in map(_desc_check, descs) if check is not None)

    def is_valid(self, national):
        """phonenumbers.is_valid_number, for a national number of this code, checked directly."""
        if not _matches(national, self.general):
            return False
        for check in self.types:
            if _matches(national, check):
                return True
        return False


def _desc_check(desc):
    """(allowed lengths or None, compiled pattern) of a PhoneNumberDesc, None if it matches nothing."""
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length) or None, re.compile(desc.national_number_pattern)


def _matches(national, check):
    lengths, pattern = check
    return (lengths is None or len(national) in lengths) and pattern.fullmatch(national) is not None


@functools.lru_cache(maxsize=512)
def _plan(code):
    """The _Plan of a calling code that belongs to one region only and whose national prefix is
    plain digits (or absent) with no transform rule; None otherwise.

    For such codes, stripping the national prefix is a startswith() and validity is judged by the
    same metadata parse() uses, so the fast path can follow parse() step by step. Shared codes
    (+1, +7, +44 ...) and unusual prefixes always take the slow path.
    """
    regions = COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    if len(regions) != 1:
        return None
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
    if metadata is None or metadata.national_prefix_transform_rule or _desc_check(metadata.general_desc) is None:
        return None
    prefix = metadata.national_prefix_for_parsing or ""
    return _Plan(code, metadata) if not prefix or prefix.isdigit() else None


@functools.lru_cache(maxsize=512)
def _region_plan(region):
    return _plan(phonenumbers.country_code_for_region(region.upper())) if region else None


def _country_code(digits):
    """The calling code phonenumbers reads from digits after a "+" (1 to 3 digits), or 0."""
    if digits[0] == "0":
        return 0
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code
    return 0


def _candidate(digits, region):
    """(plan, national number digits) exactly as parse() would find them, or None."""
    if digits[0] == "+":
        code = _country_code(digits[1:])
        plan = _plan(code) if code else None
        if plan is None:
            return None
        national = digits[1 + len(plan.digits):]
        if plan.prefix and national.startswith(plan.prefix):
            return None  # whether parse() strips it depends on the lengths: let it decide
    else:
        plan = _region_plan(region)
        if plan is None or digits.startswith(plan.digits):
            return None  # parse() might read the region's calling code in it
        national = digits
        if plan.prefix and national.startswith(plan.prefix):
            national = national[len(plan.prefix):]
            # parse() keeps the prefix when the rest has a local-only length (a valid rest has
            # a possible length and matches the general pattern, its other two conditions).
            if len(national) in plan.local_only:
                return None
    if not national or national[0] == "0":
        return None  # Italian-style leading zeros are kept by parse(): let it
    return plan, national


def fast_phone(value, region="", field="mobile"):
    """normalise_phone(value, region, field), computed without phonenumbers.parse when possible."""
    text = value.strip()
    if not text:
        return None
    digits = text.translate(_PHONE_TEXT)
    if _DIGITS.fullmatch(digits):
        found = _candidate(digits, region or "")
        # E.164 is "+", the calling code and the national number, once the number is valid.
        if found and found[0].is_valid(found[1]):
            return f"+{found[0].digits}{found[1]}"
    return normalise_phone(value, region, field=field)
