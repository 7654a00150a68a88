"""Reading a phone number as people type it, for channels: its E.164 form and its type, exactly as
phonenumbers gives them.

People type numbers every way: Persian (۰۹۱۲…) or Arabic-Indic (٠٩١٢…) digits, spaces, dashes,
parentheses, a leading 0 (national), a 00 or + prefix, or the country code without either
(gateways often report senders as 98912…). A launch reads every contact's stored number, and most
are E.164 already: those are judged with each calling code's compiled patterns (calling_codes.py)
instead of phonenumbers.parse and number_type, two thirds of a launch's time per contact otherwise.
"""
import re
import unicodedata
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from .calling_codes import split_e164

_SEPARATORS = re.compile(r"[\s\-().\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069/]+")
_SHAPE = re.compile(r"\+?\d{3,17}")


class Phone(NamedTuple):
    """A number read by read_phone: `e164` ("+989121234567"), `kind` (a phonenumbers.PhoneNumberType,
    never UNKNOWN) and `number`, the phonenumbers.PhoneNumber, for format_number and friends."""

    e164: str
    kind: int
    number: PhoneNumber


def _ascii_digits(raw):
    """`raw` with every decimal digit (Persian, Arabic-Indic…) as ASCII and separators removed."""
    raw = str(raw or "")
    if raw.isascii():  # most stored numbers: no digit to fold, nothing for NFKC to do
        return _SEPARATORS.sub("", raw).strip()
    text = "".join(str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else c for c in raw)
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).strip()


def _read_e164(text):
    """The Phone of "+<digits>" read without phonenumbers.parse, or None to let parse() judge it
    (a number parse() could split otherwise, or one that is not valid this way)."""
    found = split_e164(text)
    if found is None:
        return None
    code, national = found
    number = PhoneNumber(country_code=code.code, national_number=int(national))
    # A shared code (+1, +44) picks its region by the number: phonenumbers types those.
    kind = code.number_type(national) if code.single else phonenumbers.number_type(number)
    # split_e164 keeps no leading zero, so the text is already format_number's E.164.
    return Phone(text, kind, number) if kind != PhoneNumberType.UNKNOWN else None


def read_phone(raw, region=""):
    """The Phone (E.164, type, PhoneNumber) of a number as people type it; ValueError("invalid_address")
    when it is no valid number.

    Persian and Arabic-Indic digits and separators are accepted; 00 is read as the international
    prefix whatever the region; a number without a country code is read in `region` (two letters,
    any case; "" reads only international numbers), then as international without its "+". Valid
    means phonenumbers.is_valid_number, whose type is never UNKNOWN. Fast for stored E.164 numbers.
    """
    text = _ascii_digits(raw)
    if text.startswith("00"):
        text = "+" + text[2:]  # the international prefix almost everywhere, whatever the region
    if not _SHAPE.fullmatch(text):
        raise ValueError("invalid_address")
    if text[0] == "+" and (phone := _read_e164(text)) is not None:
        return phone
    for candidate in ([text] if text[0] == "+" else [text, "+" + text]):
        try:
            number = phonenumbers.parse(candidate, (region or "").upper() or None)
        except NumberParseException:
            continue
        # One lookup gives both: a number is valid exactly when its type is known.
        kind = phonenumbers.number_type(number)
        if kind != PhoneNumberType.UNKNOWN:
            return Phone(phonenumbers.format_number(number, PhoneNumberFormat.E164), kind, number)
    raise ValueError("invalid_address")
