"""Numbers as people type them become E.164; numbers that cannot take an SMS are skipped with a reason."""
import pytest
from chapar_sms.numbers import for_sending, national, normalize, spellings

MOBILE = "+989121234567"


@pytest.mark.parametrize("raw", ["09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", "+98 912 123 4567", "+98-912-123-4567",
                                 "0098 912 123 4567", "00989121234567", "989121234567", "(0912) 123-4567",
                                 "9121234567", " ۰۹۱۲ ۱۲۳ ۴۵۶۷ ", "+۹۸۹۱۲۱۲۳۴۵۶۷", "\u200e+98 912 123 4567\u200f"])
def test_iranian_mobiles_in_every_spelling_become_e164(raw):
    assert normalize(raw, "IR") == MOBILE
    assert for_sending(raw, "IR") == (MOBILE, "")


@pytest.mark.parametrize("raw", ["", None, "garbage", "0912", "0912123", "+98", "091212345678901234",
                                 "not a 0912 number",
                                 "+98 912 123 4567 ext", "++989121234567"])
def test_what_is_no_number_is_invalid(raw):
    with pytest.raises(ValueError, match="invalid_address"):
        normalize(raw, "IR")
    assert for_sending(raw, "IR") == (raw, "invalid_address")


def test_a_landline_is_skipped_as_not_mobile():
    assert normalize("021 8877 6655", "IR") == "+982188776655"
    assert for_sending("021 8877 6655", "IR") == ("+982188776655", "not_mobile")
    assert for_sending("+49 30 12345678", "IR") == ("+493012345678", "not_mobile")  # a Berlin landline


def test_other_regions_read_national_numbers_their_way():
    assert for_sending("0151 12345678", "DE") == ("+4915112345678", "")
    assert for_sending("(201) 555-0123", "US") == ("+12015550123", "")  # US numbers may be either: sent
    assert for_sending("+44 7400 123456", "IR") == ("+447400123456", "")  # an explicit country code wins
    assert for_sending("0044 7400 123456", "US") == ("+447400123456", "")  # 00 read as international anywhere
    assert for_sending("0151 12345678", "de") == ("+4915112345678", "")


def test_without_a_region_only_international_numbers_are_read():
    assert normalize("+989121234567", "") == MOBILE
    assert for_sending("09121234567", "") == ("09121234567", "invalid_address")


def test_spellings_cover_how_a_contacts_mobile_may_be_stored():
    assert spellings(MOBILE, "IR") == [MOBILE, "989121234567", "00989121234567", "+98 912 123 4567",
                                       "09121234567", "9121234567"]
    foreign = spellings("+4915112345678", "IR")  # no Iranian national spelling for a German number
    assert "015112345678" not in foreign and foreign[:3] == ["+4915112345678", "4915112345678", "004915112345678"]
    assert spellings("۰۹۱۲۱۲۳۴۵۶۷", "IR")[0] == MOBILE
    assert spellings("Shop", "IR") == ["Shop"]  # an alphanumeric sender id matches only itself


def test_national_form_for_gateways_that_want_it():
    assert national(MOBILE) == "09121234567"
    assert national("+12015550123") == "2015550123"
    assert national("nonsense") == ""


def test_stored_e164_numbers_read_quickly_are_read_as_phonenumbers_reads_them():
    """Numbers already in E.164 skip phonenumbers.parse at launch; every region's example numbers,
    with their last digits changed, a digit short or long and a 0 after the country code, must
    still get the same E.164 form and the same skip reason as a full parse gives."""
    import random

    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    def parsed(text):
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return text, "invalid_address"
        kind = phonenumbers.number_type(number)
        if kind == PhoneNumberType.UNKNOWN:
            return text, "invalid_address"
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        mobile = kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PERSONAL_NUMBER)
        return e164, "" if mobile else "not_mobile"

    rng = random.Random(6)
    tried = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            code = str(example.country_code)
            texts = [e164, e164[:-1], e164 + "5", f"+{code}0{e164[len(code) + 1:]}"]
            texts += [e164[:-3] + f"{rng.randrange(1000):03d}" for _ in range(3)]
            for text in texts:
                assert for_sending(text, region) == parsed(text), text
                tried += 1
    assert tried > 1500


def test_numbers_are_typed_as_phonenumbers_types_them():
    """The launch types numbers with each region's patterns compiled once; every region's example
    number of every type, and variants of it, must get the type phonenumbers gives."""
    import random

    import phonenumbers
    from phonenumbers import PhoneNumber, PhoneNumberType

    from chapar_sms.numbers import _number_type

    rng = random.Random(7)
    kinds = [getattr(PhoneNumberType, name) for name in dir(PhoneNumberType) if name.isupper()]
    examples = [phonenumbers.example_number_for_type(region, kind)
                for region in phonenumbers.SUPPORTED_REGIONS for kind in kinds]
    examples += [phonenumbers.example_number_for_non_geo_entity(code)
                 for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
    tried, seen = 0, set()
    for example in filter(None, examples):
        digits = str(example.national_number)
        variants = [digits, digits[:-1], digits + "5"] + [digits[:-3] + f"{rng.randrange(1000):03d}" for _ in range(3)]
        for variant in filter(None, variants):
            number = PhoneNumber(country_code=example.country_code, national_number=int(variant))
            assert _number_type(number) == phonenumbers.number_type(number), (example.country_code, variant)
            seen.add(phonenumbers.number_type(number))
            tried += 1
    assert tried > 5000 and {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE,
                             PhoneNumberType.UNKNOWN} <= seen
