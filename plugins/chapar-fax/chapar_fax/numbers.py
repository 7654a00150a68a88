"""Fax numbers: E.164 with a default region, and the ways a contact's fax may be stored.

People type numbers every way: Persian (۰۲۱…) or Arabic-Indic digits, spaces, dashes,
parentheses, a leading 0 (national), 00 or + before the country code. Any valid number can take a
fax (offices use landlines, VoIP and mobiles alike), so validity is the only check.
"""
import re
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

_NOISE = re.compile(r"[\s\-().\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069/]+")


def _digits_folded(raw):
    """`raw` with every decimal digit as ASCII and separators dropped."""
    text = "".join(str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else c for c in str(raw or ""))
    return _NOISE.sub("", text).strip()


def parse(raw, region=""):
    """The phonenumbers object of `raw`, or ValueError("invalid_address")."""
    text = _digits_folded(raw)
    if text.startswith("00"):
        text = "+" + text[2:]
    if not re.fullmatch(r"\+?\d{3,17}", text):
        raise ValueError("invalid_address")
    for candidate in ([text] if text.startswith("+") else [text, "+" + text]):
        try:
            number = phonenumbers.parse(candidate, (region or "").upper() or None)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    raise ValueError("invalid_address")


def e164(raw, region=""):
    """"+982188776655" for any spelling of a valid number; ValueError("invalid_address") otherwise."""
    return phonenumbers.format_number(parse(raw, region), PhoneNumberFormat.E164)


def stored_forms(number, region=""):
    """How a contact's fax may be written for `number`: E.164, without +, with 00, international
    with spaces, and the national spellings. [number] when it is no valid number."""
    try:
        parsed = parse(number, region)
    except ValueError:
        return [number]
    full = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    national = re.sub(r"\D", "", phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL))
    forms = [full, full[1:], "00" + full[1:], phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
             phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL), national,
             phonenumbers.national_significant_number(parsed)]
    return list(dict.fromkeys(forms))
