"""chapar.read_phone reads numbers as phonenumbers does, and types them as phonenumbers.number_type does,
though stored E.164 numbers skip phonenumbers.parse and each calling code's patterns are compiled once."""
import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

from chapar import read_phone
from chapar.contacts.calling_codes import calling_code, split_e164

KINDS = [getattr(PhoneNumberType, name) for name in dir(PhoneNumberType) if name.isupper()]


def phonenumbers_reading(text):
    """(E.164, type, PhoneNumber) as phonenumbers.parse and number_type give them, or "invalid"."""
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return "invalid"
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        return "invalid"
    return phonenumbers.format_number(number, PhoneNumberFormat.E164), kind, number


def chapar_reading(text):
    try:
        return tuple(read_phone(text, ""))
    except ValueError as exc:
        assert str(exc) == "invalid_address"
        return "invalid"


@pytest.mark.parametrize("raw", ["09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", "+98 912 123 4567", "0098-912-123-4567",
                                 "989121234567", "(0912) 123-4567", "9121234567", "\u200e+98 912 123 4567\u200f"])
def test_an_iranian_mobile_in_every_spelling(raw):
    assert read_phone(raw, "ir") == ("+989121234567", PhoneNumberType.MOBILE, phonenumbers.parse("+989121234567"))


@pytest.mark.parametrize("raw, region", [("", "IR"), (None, "IR"), ("garbage", "IR"), ("0912", "IR"), ("+98", "IR"),
                                         ("091212345678901234", "IR"), ("++989121234567", "IR"),
                                         ("+98 912 123 4567 ext", "IR"), ("09121234567", "")])
def test_what_is_no_valid_number_is_refused(raw, region):
    with pytest.raises(ValueError, match="invalid_address"):
        read_phone(raw, region)  # without a region, a national number cannot be read


def test_a_landline_is_read_with_its_type():
    assert read_phone("021 8877 6655", "IR")[:2] == ("+982188776655", PhoneNumberType.FIXED_LINE)
    assert read_phone("(201) 555-0123", "US")[:2] == ("+12015550123", PhoneNumberType.FIXED_LINE_OR_MOBILE)


def test_every_regions_stored_numbers_are_read_as_phonenumbers_reads_them():
    """Every region's example number of every type, as E.164, with its last digits changed, a digit
    short or long and a 0 after the country code: the same E.164, type and PhoneNumber as parse gives."""
    rng = random.Random(6)
    examples = [phonenumbers.example_number_for_type(region, kind)
                for region in sorted(phonenumbers.SUPPORTED_REGIONS) for kind in KINDS]
    examples += [phonenumbers.example_number_for_non_geo_entity(code)
                 for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)]
    tried, quick, seen = 0, 0, set()
    for example in filter(None, examples):
        e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
        code = str(example.country_code)
        texts = [e164, e164[:-1], e164 + "5", f"+{code}0{e164[len(code) + 1:]}"]
        texts += [e164[:-3] + f"{rng.randrange(1000):03d}" for _ in range(3)]
        for text in texts:
            expected = phonenumbers_reading(text)
            assert chapar_reading(text) == expected, text
            seen.add(expected[1] if expected != "invalid" else None)
            tried, quick = tried + 1, quick + (split_e164(text) is not None)
    assert quick > 4000  # most are read without parse: the fast path is what is compared here
    assert tried > 5000 and {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE,
                             PhoneNumberType.VOIP, None} <= seen


def test_numbers_are_typed_as_phonenumbers_types_them():
    """Each calling code's compiled patterns type every region's example numbers of every type, and
    variants of them, as phonenumbers.number_type does (also those read_phone leaves to parse)."""
    rng = random.Random(7)
    examples = [phonenumbers.example_number_for_type(region, kind)
                for region in sorted(phonenumbers.SUPPORTED_REGIONS) for kind in KINDS]
    examples += [phonenumbers.example_number_for_non_geo_entity(code)
                 for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)]
    tried, seen = 0, set()
    for example in filter(None, examples):
        code = calling_code(example.country_code)
        if not code.single:
            continue  # a shared code picks its region by the number: read_phone leaves those to phonenumbers
        digits = str(example.national_number)
        variants = [digits, digits[:-1], digits + "5"] + [digits[:-3] + f"{rng.randrange(1000):03d}" for _ in range(3)]
        for variant in filter(None, variants):
            expected = phonenumbers.number_type(PhoneNumber(country_code=example.country_code,
                                                            national_number=int(variant)))
            assert code.number_type(variant) == expected, (example.country_code, variant)
            assert code.is_valid(variant) == (expected != PhoneNumberType.UNKNOWN), (example.country_code, variant)
            seen.add(expected)
            tried += 1
    assert tried > 5000 and {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE,
                             PhoneNumberType.UNKNOWN} <= seen
