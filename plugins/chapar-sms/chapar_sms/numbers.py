"""Phone numbers: E.164 normalisation with a default region, which numbers can take an SMS, and the
ways a contact's mobile may be stored (to match a received message's sender).

People type numbers every way: Persian (۰۹۱۲…) or Arabic-Indic (٠٩١٢…) digits, spaces, dashes,
parentheses, a leading 0 (national), a 00 or + prefix, or the country code without either
(gateways often report senders as 98912…).

Which numbers get an SMS: MOBILE and FIXED_LINE_OR_MOBILE (countries such as the US do not tell
the two apart) and PERSONAL_NUMBER; landlines, VoIP, pagers, toll-free, premium and the like are
skipped as "not_mobile" (most cannot receive SMS, and a gateway charges for them anyway).
"""
import re
import unicodedata
from functools import lru_cache

import phonenumbers
from phonenumbers import (COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneMetadata, PhoneNumber,
                          PhoneNumberFormat, PhoneNumberType)

SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE,
                       PhoneNumberType.PERSONAL_NUMBER})
SEPARATORS = re.compile(r"[\s\-().\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069/]+")


def _ascii_digits(raw):
    """`raw` with every decimal digit (Persian, Arabic-Indic…) as ASCII and separators removed."""
    raw = str(raw or "")
    if raw.isascii():  # most stored numbers: no digit to fold, nothing for NFKC to do
        return SEPARATORS.sub("", raw).strip()
    text = "".join(str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else c for c in raw)
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).strip()


def _from_e164(text):
    """The PhoneNumber of "+<digits>" built without phonenumbers.parse (two thirds of a launch's
    time per contact, and stored mobiles are E.164 already), or None wherever parse could read it
    otherwise: no known country code, a 0 after it (Italian leading zeros), or digits the
    country's national prefix pattern matches (parse may strip them)."""
    digits = text[1:]
    if digits.startswith("0"):
        return None
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    rest = digits[size:]
    if not rest or rest[0] == "0":
        return None
    region = phonenumbers.region_code_for_country_code(code)
    metadata = (PhoneMetadata.metadata_for_nongeo_region(code) if region == "001"
                else PhoneMetadata.metadata_for_region(region))
    if metadata is None or (metadata.national_prefix_for_parsing
                            and re.match(metadata.national_prefix_for_parsing, rest)):
        return None
    return PhoneNumber(country_code=code, national_number=int(rest))


# The kinds phonenumbers.number_type tries before fixed line and mobile, in its order.
_SPECIAL_KINDS = (("premium_rate", PhoneNumberType.PREMIUM_RATE), ("toll_free", PhoneNumberType.TOLL_FREE),
                  ("shared_cost", PhoneNumberType.SHARED_COST), ("voip", PhoneNumberType.VOIP),
                  ("personal_number", PhoneNumberType.PERSONAL_NUMBER), ("pager", PhoneNumberType.PAGER),
                  ("uan", PhoneNumberType.UAN), ("voicemail", PhoneNumberType.VOICEMAIL))


def _matcher(desc):
    """phonenumbers' test of a national number against one PhoneNumberDesc (its possible lengths,
    then a full match of its pattern), with the pattern compiled once; None when it matches nothing."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = frozenset(desc.possible_length or ())
    full = re.compile(desc.national_number_pattern).fullmatch
    return lambda digits: (not lengths or len(digits) in lengths) and full(digits) is not None


@lru_cache(maxsize=None)
def _typer(region, code):
    """phonenumbers.number_type for the numbers of `region` (country `code`), rebuilt on matchers
    made once: it looks every pattern up and matches it twice per call, most of a launch's time."""
    metadata = (PhoneMetadata.metadata_for_nongeo_region(code) if region == "001"
                else PhoneMetadata.metadata_for_region(region))
    if metadata is None:
        return lambda digits: PhoneNumberType.UNKNOWN
    none = lambda digits: False  # noqa: E731
    general = _matcher(metadata.general_desc) or none
    special = [(m, kind) for name, kind in _SPECIAL_KINDS if (m := _matcher(getattr(metadata, name)))]
    fixed, mobile = _matcher(metadata.fixed_line) or none, _matcher(metadata.mobile) or none
    same = metadata.same_mobile_and_fixed_line_pattern

    def kind_of(digits):
        if not general(digits):
            return PhoneNumberType.UNKNOWN
        for matches, kind in special:
            if matches(digits):
                return kind
        if fixed(digits):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE if same or mobile(digits) else PhoneNumberType.FIXED_LINE
        return PhoneNumberType.MOBILE if not same and mobile(digits) else PhoneNumberType.UNKNOWN
    return kind_of


def _number_type(number):
    """phonenumbers.number_type(number), faster for a country code only one region uses (others
    pick their region by the number, and go to phonenumbers)."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(number.country_code, ())
    if len(regions) != 1 or number.italian_leading_zero:
        return phonenumbers.number_type(number)
    return _typer(regions[0], number.country_code)(str(number.national_number))


def _parse_typed(raw, region):
    """(number, its PhoneNumberType) of `raw`; ValueError("invalid_address") when it is no valid
    number. A number is valid exactly when its type is known, so the type is looked up once (each
    lookup matches the number against its region's patterns, most of a launch's time per contact)."""
    text = _ascii_digits(raw)
    if text.startswith("00"):
        text = "+" + text[2:]  # the international prefix almost everywhere, whatever the region
    if not re.fullmatch(r"\+?\d{3,17}", text):
        raise ValueError("invalid_address")
    if text.startswith("+") and (number := _from_e164(text)) is not None:
        kind = _number_type(number)
        if kind != PhoneNumberType.UNKNOWN:
            return number, kind
    tries = [text] if text.startswith("+") else [text, "+" + text]
    for candidate in tries:
        try:
            number = phonenumbers.parse(candidate, (region or "").upper() or None)
        except NumberParseException:
            continue
        kind = phonenumbers.number_type(number)
        if kind != PhoneNumberType.UNKNOWN:
            return number, kind
    raise ValueError("invalid_address")


def _parse(raw, region):
    return _parse_typed(raw, region)[0]


def normalize(raw, region):
    """The E.164 form ("+989121234567") of `raw`, read in `region` (two letters) when it has no
    country code; ValueError("invalid_address") when it is no valid number."""
    return phonenumbers.format_number(_parse(raw, region), PhoneNumberFormat.E164)


def for_sending(raw, region):
    """(E.164, "") for a number that can take an SMS; (raw, "invalid_address") for one that is not
    a number; (E.164, "not_mobile") for a landline or another kind that cannot."""
    try:
        number, kind = _parse_typed(raw, region)
    except ValueError:
        return raw, "invalid_address"
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return e164, "" if kind in SMS_TYPES else "not_mobile"


def spellings(number, region):
    """The ways a contact's mobile may be stored for `number`: +989121234567, 989121234567,
    00989121234567, +98 912 123 4567, and, for a number of `region`, 09121234567 and 9121234567.
    Just [number] when it is no valid number."""
    try:
        parsed = _parse(number, region)
    except ValueError:
        return [number]
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    forms = [e164, e164[1:], "00" + e164[1:], phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)]
    if not region or phonenumbers.region_code_for_number(parsed) == region.upper():
        forms += [_national(parsed), phonenumbers.national_significant_number(parsed)]
    return list(dict.fromkeys(forms))


def national(number):
    """The national spelling of an E.164 number, digits only ("09121234567" for +989121234567); ""
    when it is no valid number."""
    try:
        parsed = _parse(number, "")
    except ValueError:
        return ""
    return _national(parsed)


def _national(parsed):
    return re.sub(r"\D", "", phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL))
