"""Numbers as people type them become E.164; numbers that cannot take an SMS are skipped with a reason."""
import pytest
from chapar_sms.channel import SmsChannel
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


def test_the_channel_skips_landlines_and_reads_persian_digits_at_launch():
    """What a launch asks the channel for each contact (reading and typing are chapar.read_phone's,
    compared with phonenumbers in the core's tests/test_phones.py)."""
    channel, settings = SmsChannel(), {"default_region": "IR"}
    assert channel.normalize_address("۰۹۱۲۱۲۳۴۵۶۷", settings) == (MOBILE, "")
    assert channel.normalize_address(MOBILE, settings) == (MOBILE, "")
    assert channel.normalize_address("+982188776655", settings) == ("+982188776655", "not_mobile")
    assert channel.normalize_address("۰۲۱ ۸۸۷۷ ۶۶۵۵", settings) == ("+982188776655", "not_mobile")
    assert channel.normalize_address("+800 1234 5678", settings) == ("+80012345678", "not_mobile")  # toll-free
    assert channel.normalize_address("0912", settings) == ("0912", "invalid_address")
