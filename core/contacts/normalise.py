"""Turning what people type into the stored form: emails, phone numbers, countries.

Each function returns the normalised value or raises FieldError with a code the UI translates.
"""
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ..errors import FieldError


def normalise_email(value):
    """Lower-cased, validated email address, or None for an empty value."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise FieldError("email", "invalid_email", str(exc)) from None
    return checked.normalized.lower()


def normalise_phone(value, region="", field="mobile"):
    """E.164 form ("+989121234567"), or None for an empty value.

    Numbers without a country code are read in `region` (ISO 3166 alpha-2), the instance's default.
    Persian and Arabic-Indic digits are accepted.
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise FieldError(field, "invalid_phone", f"not a phone number: {value!r}") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError(field, "invalid_phone", f"not a valid phone number: {value!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_country(value):
    value = (value or "").strip().upper()
    if value and (len(value) != 2 or not value.isalpha()):
        raise FieldError("country", "invalid_country", f"use a two-letter ISO country code, not {value!r}")
    return value
