"""Helpers for the contacts tests: Iran as the default country, and people to work with.

Import the fixtures into a test module: `from contacts_support import people, region  # noqa: F401`.
"""
import re

import pytest

from chapar.contacts import change_consent, create_contact
from chapar.contacts.tags import add_tags
from chapar.models import SiteSetting

XSS = "<script>alert(1)</script>"
QUOTE_BREAK = '"><img src=x onerror=alert(2)>'


@pytest.fixture
def region(app):
    """Phone numbers without a country code are Iranian, as on most Chapar installs here."""
    SiteSetting.set_value("default_country", "IR")
    return "IR"


@pytest.fixture
def people(region, users):
    """A few English and Persian contacts with tags and consent: {short name: Contact}."""
    sara = create_contact({"first_name": "Sara", "last_name": "Karimi", "email": "Sara.Karimi@Example.com",
                           "mobile": "0912 123 4567", "company": "Parsian Insurance", "source": "web_form"})
    john = create_contact({"first_name": "John", "last_name": "Miller", "email": "john@example.com",
                           "mobile": "+44 7911 123456", "source": "import"})
    ali = create_contact({"first_name": "علی", "last_name": "رضایی", "email": "ali@example.ir",
                          "mobile": "۰۹۳۵۱۱۱۲۲۳۳", "city": "اصفهان"})
    add_tags([sara.id, ali.id], ["VIP"])
    add_tags([ali.id], ["مشتری"])
    change_consent(sara, "email", "subscribed", "form", detail="Join form", wording="Send me offers by email")
    change_consent(john, "sms", "unsubscribed", "keyword", actor=users["marketer"], detail="STOP")
    return {"sara": sara, "john": john, "ali": ali}


def html(response):
    return response.get_data(as_text=True)


def rows(page):
    """The contact ids listed in a contacts results table, in order."""
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page)]


def listed_names(page):
    return re.findall(r'class="contact-name"[^>]*>([^<]*)<', page)
