"""A person or business Chapar can reach, with consent per channel kept on the row for fast filters."""
from collections import namedtuple

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from .base import BaseModel, utcnow
from .user import User

# The media a program can use; each has a consent column on Contact (consent_<channel>).
CHANNELS = ("email", "sms", "fax", "print")
CONSENT_STATUSES = ("unknown", "subscribed", "unsubscribed", "bounced", "complained")
SOURCES = ("manual", "import", "web_form", "api", "referral", "event", "other")


class Contact(BaseModel):
    first_name = CharField(max_length=100, default="")
    last_name = CharField(max_length=100, default="")
    email = CharField(max_length=254, null=True, unique=True)  # normalised; NULL when unknown
    mobile = CharField(max_length=20, null=True, unique=True)  # E.164
    fax = CharField(max_length=20, null=True, index=True)  # E.164; offices share fax numbers
    address_line1 = CharField(max_length=200, default="")
    address_line2 = CharField(max_length=200, default="")
    city = CharField(max_length=100, default="")
    region = CharField(max_length=100, default="")
    postal_code = CharField(max_length=32, default="")
    country = CharField(max_length=2, default="")  # ISO 3166-1 alpha-2
    company = CharField(max_length=200, default="")
    job_title = CharField(max_length=200, default="")
    language = CharField(max_length=10, default="")
    time_zone = CharField(max_length=64, default="")
    source = CharField(max_length=20, default="manual")
    utm_source = CharField(max_length=200, default="")
    utm_medium = CharField(max_length=200, default="")
    utm_campaign = CharField(max_length=200, default="")
    utm_term = CharField(max_length=200, default="")
    utm_content = CharField(max_length=200, default="")
    owner = ForeignKeyField(User, null=True, backref="contacts", on_delete="SET NULL")
    do_not_contact = BooleanField(default=False)
    consent_email = CharField(max_length=12, default="unknown", index=True)
    consent_sms = CharField(max_length=12, default="unknown", index=True)
    consent_fax = CharField(max_length=12, default="unknown", index=True)
    consent_print = CharField(max_length=12, default="unknown", index=True)
    created_at = DateTimeField(default=utcnow, index=True)
    updated_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("last_name", "first_name"), False),)

    @property
    def full_name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def consent(self, channel):
        return getattr(self, f"consent_{channel}")


CONSENT_COLUMNS = tuple(f"consent_{channel}" for channel in CHANNELS)


def contact_rows(name, columns):
    """A namedtuple class of these contact columns that reads like a Contact (full_name, consent()):
    for hot paths that read thousands of contacts with plain SQL instead of building models."""
    row = namedtuple(name, columns)
    return type(name, (row,), {"__slots__": (), "full_name": Contact.full_name, "consent": Contact.consent})
