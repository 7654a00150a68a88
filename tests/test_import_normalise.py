"""The importer's fast normalisers give exactly what chapar.contacts.normalise gives, on any input."""
import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chapar.contacts.importer.fastnorm import fast_email, fast_phone
from chapar.contacts.normalise import normalise_email, normalise_phone
from chapar.errors import FieldError

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
         phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.VOIP)
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def outcome(function, *args):
    try:
        return function(*args)
    except FieldError as exc:
        return ("error", exc.field, exc.code)


def same_phone(value, region):
    assert outcome(fast_phone, value, region) == outcome(normalise_phone, value, region), (value, region)


def spellings(number, region, rng):
    """Ways people write one number: international, 00, national with and without the prefix,
    separators, Persian digits, and a digit changed, added or dropped."""
    national = str(number.national_number)
    code = str(number.country_code)
    text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    found = [f"+{code}{national}", f"00{code}{national}", text, national, f"+{code} {national[:3]} {national[3:]}",
             f"({national[:3]}) {national[3:]}", f"0{national}", f"{code}{national}", f"+{code}0{national}",
             text.translate(PERSIAN)]
    position = rng.randrange(len(national))
    changed = national[:position] + str((int(national[position]) + rng.randint(1, 9)) % 10) + national[position + 1:]
    found += [f"+{code}{changed}", changed, national[:-1], national + str(rng.randint(0, 9))]
    return found


def test_every_region_example_number_and_its_variants_normalise_the_same():
    rng = random.Random(20250101)
    for region in REGIONS:
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for value in spellings(number, region, rng):
                same_phone(value, region)
                same_phone(value, rng.choice(REGIONS))
                same_phone(value, "")


def test_numbers_dialled_abroad_from_the_region_normalise_the_same():
    # A number starting with the region's prefix for calling abroad (00, 011, Israel's 019…) is
    # read by parse() as an international number.
    rng = random.Random(20261126)
    for region in REGIONS:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        prefix = metadata.preferred_international_prefix or metadata.international_prefix or ""
        if not prefix.isdigit():
            continue
        number = phonenumbers.example_number_for_type(rng.choice(REGIONS), phonenumbers.PhoneNumberType.MOBILE)
        if number is not None:
            same_phone(f"{prefix}{number.country_code}{number.national_number}", region)
    for value in ("01919123451", "0199121234567", "013989121234567"):
        same_phone(value, "IL")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789+ -().۰۱۲۳۴۵۶۷۸۹x", max_size=20),
       st.sampled_from(["IR", "DE", "US", "GB", "", "IT"]))
def test_random_phone_like_text_normalises_the_same(value, region):
    same_phone(value, region)


@pytest.mark.parametrize("value", ["09121234567", "+98 912 123 4567", "۰۹۱۲ ۱۲۳ ۴۵۶۷", "0098-912-123-4567",
                                   "(0912) 123 4567", "9121234567"])
def test_iranian_mobiles_in_every_usual_spelling(value):
    assert fast_phone(value, "IR") == "+989121234567" == normalise_phone(value, "IR")


ATOM = st.text(alphabet="abcXYZ019_%+-'!#.", min_size=1, max_size=8)
LABEL = st.text(alphabet="abcxyz019-", min_size=1, max_size=10)


@settings(max_examples=600, deadline=None)
@given(st.lists(ATOM, min_size=1, max_size=3), st.lists(LABEL, min_size=1, max_size=3),
       st.sampled_from(["com", "ir", "COM", "test", "local", "c", "co1", "xn--p1ai", "museum"]),
       st.sampled_from(["", " ", "@", "..", "ß", "é", "@x.com"]))
def test_random_addresses_normalise_the_same(atoms, labels, tld, noise):
    value = ".".join(atoms) + "@" + ".".join(labels) + "." + tld + noise
    assert outcome(fast_email, value) == outcome(normalise_email, value), value


@pytest.mark.parametrize("value", ["Ali.Rezaei@Example.COM", "a+tag@sub.example.ir", "x@example.test",
                                   "a..b@example.com", ".a@example.com", "a@-example.com", "a@example.c",
                                   "a" * 65 + "@example.com", "a@" + "b" * 64 + ".com", "علی@example.com",
                                   "a@xn--mgbh0fb.xn--mgba3a4f16a", "a@b--c.com", " A@B.COM "])
def test_known_edge_addresses(value):
    assert outcome(fast_email, value) == outcome(normalise_email, value)
