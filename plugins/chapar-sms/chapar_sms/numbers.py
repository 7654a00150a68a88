"""Phone numbers: E.164 normalisation with a default region, which numbers can take an SMS, and the
ways a contact's mobile may be stored (to match a received message's sender).

Reading what people type (Persian digits, separators, 00, a national 0, a country code without +)
is chapar.read_phone's, fast for the E.164 numbers a launch reads.

Which numbers get an SMS: MOBILE and FIXED_LINE_OR_MOBILE (countries such as the US do not tell
the two apart) and PERSONAL_NUMBER; landlines, VoIP, pagers, toll-free, premium and the like are
skipped as "not_mobile" (most cannot receive SMS, and a gateway charges for them anyway).
"""
import re

import phonenumbers
from chapar import read_phone
from phonenumbers import PhoneNumberFormat, PhoneNumberType

SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE,
                       PhoneNumberType.PERSONAL_NUMBER})


def normalize(raw, region):
    """The E.164 form ("+989121234567") of `raw`, read in `region` (two letters) when it has no
    country code; ValueError("invalid_address") when it is no valid number."""
    return read_phone(raw, region).e164


def for_sending(raw, region):
    """(E.164, "") for a number that can take an SMS; (raw, "invalid_address") for one that is not
    a number; (E.164, "not_mobile") for a landline or another kind that cannot."""
    try:
        phone = read_phone(raw, region)
    except ValueError:
        return raw, "invalid_address"
    return phone.e164, "" if phone.kind in SMS_TYPES else "not_mobile"


def spellings(number, region):
    """The ways a contact's mobile may be stored for `number`: +989121234567, 989121234567,
    00989121234567, +98 912 123 4567, and, for a number of `region`, 09121234567 and 9121234567.
    Just [number] when it is no valid number."""
    try:
        phone = read_phone(number, region)
    except ValueError:
        return [number]
    e164, parsed = phone.e164, phone.number
    forms = [e164, e164[1:], "00" + e164[1:], phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)]
    if not region or phonenumbers.region_code_for_number(parsed) == region.upper():
        forms += [_national(parsed), phonenumbers.national_significant_number(parsed)]
    return list(dict.fromkeys(forms))


def national(number):
    """The national spelling of an E.164 number, digits only ("09121234567" for +989121234567); ""
    when it is no valid number."""
    try:
        phone = read_phone(number, "")
    except ValueError:
        return ""
    return _national(phone.number)


def _national(parsed):
    return re.sub(r"\D", "", phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL))
