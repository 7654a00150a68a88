"""Fast paths for normalising emails and phone numbers, exactly equal to chapar.contacts.normalise.

email_validator and phonenumbers.parse cost about 25 and 15 µs a call, which alone would cap an
import far below the speed target. The common shapes (a plain ASCII address; digits with an
optional "+" and separators) are handled here in a few microseconds; anything else, and anything
the fast path is not sure about, goes to the shared functions, so the result is always the one
they would give (tests/test_import_normalise.py compares the two on random input).
"""
import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from ..calling_codes import region_calling_code, split_e164
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


def _candidate(digits, region):
    """(CallingCode, national number digits) exactly as parse() would find them, or None."""
    if digits[0] == "+":
        found = split_e164(digits)
        if found is None or not found[0].single:
            return None  # a shared code (+1, +44) picks its region by the number: let parse() judge it
        return found
    plan = region_calling_code(region)
    if (plan is None or not plan.single or plan.plain_prefix is None or digits.startswith(plan.digits)
            or (plan.dialling_out and plan.dialling_out(digits))):
        return None  # parse() might read the region's calling code or a call abroad in it, or strip an unusual prefix
    national = digits
    if plan.plain_prefix and national.startswith(plan.plain_prefix):
        national = national[len(plan.plain_prefix):]
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
