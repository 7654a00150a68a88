"""Creating, updating and finding contacts: the one path the UI, the API and forms share.

Bulk import has its own batched path (chapar.contacts.importer) but the same cleaning rules.
"""
import zoneinfo

from ..db import db
from ..errors import FieldError, ValidationFailed
from ..models import SOURCES, Contact, CustomField, SiteSetting, utcnow
from . import fields as custom_fields
from .normalise import normalise_country, normalise_email, normalise_phone

# Core fields a person may set, with their maximum length (None: normalised specially).
TEXT_FIELDS = {
    "first_name": 100, "last_name": 100, "address_line1": 200, "address_line2": 200, "city": 100,
    "region": 100, "postal_code": 32, "company": 200, "job_title": 200, "language": 10,
    "utm_source": 200, "utm_medium": 200, "utm_campaign": 200, "utm_term": 200, "utm_content": 200,
}
SPECIAL_FIELDS = ("email", "mobile", "fax", "country", "time_zone", "source")
EDITABLE_FIELDS = tuple(TEXT_FIELDS) + SPECIAL_FIELDS


def default_region():
    """The country phone numbers without a prefix are read in (an admin setting)."""
    return SiteSetting.get_value("default_country", "") or ""


def _clean_special(name, value, region):
    if name == "email":
        return normalise_email(value)
    if name in ("mobile", "fax"):
        return normalise_phone(value, region, field=name)
    if name == "country":
        return normalise_country(value)
    if name == "time_zone":
        value = (value or "").strip()
        if value and value not in zoneinfo.available_timezones():
            raise FieldError(name, "invalid_time_zone", f"unknown time zone {value!r}")
        return value
    value = (value or "manual").strip()
    if value not in SOURCES:
        raise FieldError(name, "invalid_source", f"source must be one of {', '.join(SOURCES)}")
    return value


def clean_contact_data(data, region=None, custom=None):
    """Validate `data` (core field names and custom field keys) all at once.

    Returns (core values, {CustomField: typed value}); raises ValidationFailed listing every
    wrong field. Unknown keys are errors too, so a typo never loses data silently.
    """
    region = default_region() if region is None else region
    custom = {f.key: f for f in CustomField.select()} if custom is None else custom
    core, extra, errors = {}, {}, {}
    for name, value in data.items():
        try:
            if name in TEXT_FIELDS:
                text = "" if value is None else str(value).strip()
                if len(text) > TEXT_FIELDS[name]:
                    raise FieldError(name, "too_long", f"{name}: at most {TEXT_FIELDS[name]} characters")
                core[name] = text
            elif name in SPECIAL_FIELDS:
                core[name] = _clean_special(name, value, region)
            elif name in custom:
                extra[custom[name]] = custom_fields.parse_value(custom[name], value)
            else:
                raise FieldError(name, "unknown_field", f"unknown field {name!r}")
        except FieldError as exc:
            errors[name] = exc
    if errors:
        raise ValidationFailed(errors)
    return core, extra


def _check_unique(core, contact_id=None):
    errors = {}
    for name in ("email", "mobile"):
        value = core.get(name)
        if not value:
            continue
        query = Contact.select(Contact.id).where(getattr(Contact, name) == value)
        if contact_id is not None:
            query = query.where(Contact.id != contact_id)
        if query.exists():
            errors[name] = FieldError(name, "duplicate", f"another contact already has this {name}")
    if errors:
        raise ValidationFailed(errors)


def create_contact(data, owner=None):
    """Create a contact from raw input; raises ValidationFailed with every problem."""
    core, extra = clean_contact_data(data)
    _check_unique(core)
    with db.atomic():
        contact = Contact.create(owner=owner, **core)
        custom_fields.set_values(contact.id, extra)
    return contact


def update_contact(contact, data):
    """Change the given fields only; raises ValidationFailed and changes nothing on error."""
    core, extra = clean_contact_data(data)
    _check_unique(core, contact.id)
    with db.atomic():
        for name, value in core.items():
            setattr(contact, name, value)
        contact.updated_at = utcnow()
        contact.save()
        custom_fields.set_values(contact.id, extra)
    return contact


def find_existing(email=None, mobile=None):
    """The contact matching a normalised email, else a normalised mobile, or None."""
    if email:
        found = Contact.get_or_none(Contact.email == email)
        if found:
            return found
    if mobile:
        return Contact.get_or_none(Contact.mobile == mobile)
    return None


def upsert_contact(data, owner=None):
    """Update the contact with the same email (or else mobile), or create one.

    Returns (contact, created).
    """
    core, _extra = clean_contact_data(data)
    existing = find_existing(core.get("email"), core.get("mobile"))
    if existing is None:
        return create_contact(data, owner=owner), True
    return update_contact(existing, data), False
