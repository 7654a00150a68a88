"""What the contacts pages share: looking a contact up, the evidence a consent change records,
error messages for chapar.contacts' error codes, and display filters for phones and values."""
import datetime

import phonenumbers
from babel import Locale
from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from chapar.contacts.labels import STATUS_LABELS
from chapar.contacts.service import TEXT_FIELDS
from chapar.i18n import current_language, format_when
from chapar.models import CONSENT_STATUSES, Contact

from . import blueprint
from .shell import format_number

# How a change made in the web UI is recorded as consent evidence.
UI_METHOD = "user"
CUSTOM_TEXT_LIMIT = 500
# Where a custom field's input lives in a form: prefixed so a key never meets a core field's name.
CUSTOM_PREFIX = "cf_"

FIELD_LABELS = {
    "first_name": _l("First name"), "last_name": _l("Last name"), "email": _l("Email"), "mobile": _l("Mobile"),
    "fax": _l("Fax"), "company": _l("Company"), "job_title": _l("Job title"), "address_line1": _l("Address"),
    "address_line2": _l("Address, second line"), "city": _l("City"), "region": _l("Province or state"),
    "postal_code": _l("Postal code"), "country": _l("Country"), "language": _l("Language"),
    "time_zone": _l("Time zone"), "owner": _l("Owner"), "source": _l("Source"), "tags": _l("Tags"),
    **{f"utm_{part}": f"UTM {part}" for part in ("source", "medium", "campaign", "term", "content")},
}
MESSAGES = {
    "invalid_email": _l("Enter an email address like name@example.com."),
    "invalid_phone": _l("Enter a phone number with its area code, such as 0912 123 4567 or +98 912 123 4567."),
    "invalid_country": _l("Choose a country from the list."),
    "invalid_time_zone": _l("Choose a time zone from the list."),
    "invalid_source": _l("Choose where the contact came from."),
    "invalid_owner": _l("Choose one of the users."),
    "invalid_choice": _l("Choose one of the options."),
    "invalid_number": _l("Enter a number, such as 12 or 3.5."),
    "invalid_date": _l("Enter a date as YYYY-MM-DD."),
    "invalid_boolean": _l("Choose yes or no."),
    "unknown_field": _l("This field no longer exists; reload the page."),
    "duplicate": _l("Another contact has just been saved with this value; find it and merge the two."),
}


def country_name(code):
    """The country's name in the reader's language ("IR" -> "Iran" or "ایران")."""
    return Locale.parse(current_language()).territories.get(code, code) if code else ""


def contact_or_404(contact_id):
    return Contact.get_or_none(Contact.id == contact_id) or abort(404)


def evidence():
    """The IP address and browser a consent change made now is recorded with."""
    return {"ip": request.remote_addr or "", "user_agent": request.user_agent.string or ""}


def status_choices():
    return [(status, STATUS_LABELS[status]) for status in CONSENT_STATUSES]


def error_message(name, error):
    """The reader's-language message for a FieldError on the input `name`."""
    if error.code == "too_long":
        limit = TEXT_FIELDS.get(name, CUSTOM_TEXT_LIMIT)
        return _("Use at most %(count)s characters.", count=format_number(limit))
    message = MESSAGES.get(error.code)
    return str(message) if message is not None else error.message


def duplicate_message(name, other):
    """An error naming the contact that already has this email or mobile, with a link to it."""
    link = Markup('<a href="/contacts/{id}" dir="auto">{label}</a>').format(id=other.id, label=contact_label(other))
    # The catalogue's text is trusted; only the contact's name is the user's, escaped by format().
    if name == "email":
        return Markup(_("%(contact)s already has this email address.", contact=link))
    return Markup(_("%(contact)s already has this mobile number.", contact=link))


def isolated(text):
    """`text` kept in its own direction inside a sentence of the other (a Latin name in Persian)."""
    return Markup("<bdi>{}</bdi>").format(text)


@blueprint.app_template_filter("contact_label")
def contact_label(contact):
    """A name to show for a contact: the name, else the company, email or number, else its id."""
    return (contact.full_name or contact.company or contact.email or display_phone(contact.mobile)
            or display_phone(contact.fax) or _("Contact #%(id)s", id=contact.id))


@blueprint.app_template_filter("phone")
def display_phone(value):
    """"+989121234567" as "+98 912 123 4567" (international form: the same in every language)."""
    if not value:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return value


def input_value(value):
    """A stored custom value as a form input shows it ("" for none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@blueprint.app_template_filter("field_value")
def display_value(value, kind):
    """A custom value for reading, in the reader's language."""
    if value is None or value == "":
        return "—"
    if kind == "boolean":
        return _("Yes") if value else _("No")
    if kind == "number":
        return format_number(value)
    if kind == "date":
        return format_when(value)
    return value
