"""Fax numbers: E.164 with a default region, and the ways a contact's fax may be stored.

People type numbers every way: Persian (۰۲۱…) or Arabic-Indic digits, spaces, dashes,
parentheses, a leading 0 (national), 00 or + before the country code; chapar.read_phone reads
them. Any valid number can take a fax (offices use landlines, VoIP and mobiles alike), so
validity is the only check.
"""
import re

import phonenumbers
from chapar import read_phone
from phonenumbers import PhoneNumberFormat


def e164(raw, region=""):
    """"+982188776655" for any spelling of a valid number; ValueError("invalid_address") otherwise."""
    return read_phone(raw, region).e164


def stored_forms(number, region=""):
    """How a contact's fax may be written for `number`: E.164, without +, with 00, international
    with spaces, and the national spellings. [number] when it is no valid number."""
    try:
        phone = read_phone(number, region)
    except ValueError:
        return [number]
    full, parsed = phone.e164, phone.number
    national = re.sub(r"\D", "", phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL))
    forms = [full, full[1:], "00" + full[1:], phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
             phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL), national,
             phonenumbers.national_significant_number(parsed)]
    return list(dict.fromkeys(forms))
