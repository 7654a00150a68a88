"""Creating and editing contacts: saved values, consent evidence, errors that keep good input."""
from datetime import date

import pytest
from contacts_support import html, people, region  # noqa: F401

from chapar.contacts import define_field, tags_of, values_of
from chapar.models import ConsentRecord, Contact


@pytest.fixture
def fields(app):
    return {"tier": define_field("tier", "Customer tier", "choice", ["gold", "silver"]),
            "score": define_field("score", "Lead score", "number"),
            "birthday": define_field("birthday", "Birthday", "date"),
            "car": define_field("car", "Owns a car", "boolean")}


def form(**changes):
    """A full new-contact form as the browser sends it."""
    data = {name: "" for name in ("fax", "job_title", "address_line1", "address_line2", "region", "postal_code",
                                  "owner", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")}
    data.update({"first_name": "Nasrin", "last_name": "Sadeghi", "email": "Nasrin@Example.COM",
                 "mobile": "۰۹۱۲ ۵۵۵ ۶۶۷۷", "company": "Kafe Ketab", "city": "Shiraz", "country": "IR",
                 "language": "fa", "time_zone": "Asia/Tehran", "source": "event", "tags": "vip، customer, vip",
                 "consent_email": "subscribed", "wording_email": "Ticked “Email me offers” at the Shiraz fair"})
    data.update({f"{part}_{channel}": "unknown" if part == "consent" else ""
                 for channel in ("sms", "fax", "print") for part in ("consent", "wording")})
    data.update(changes)
    return data


def test_creating_a_contact_saves_normalised_values_tags_custom_fields_and_consent(client_as, region, fields, users):
    marketer = client_as("marketer")
    response = marketer.post("/contacts/new", form(cf_tier="gold", cf_score="۱۲.۵",
                                                   cf_birthday="1990-03-21", cf_car="1",
                                                   owner=str(users["marketer"].id)))
    assert response.status_code == 302, html(response)[:2000]
    contact = Contact.get(Contact.email == "nasrin@example.com")
    assert response.headers["Location"].endswith(f"/contacts/{contact.id}")
    assert (contact.mobile, contact.city, contact.source, contact.owner_id) == ("+989125556677", "Shiraz", "event",
                                                                               users["marketer"].id)
    assert sorted(tags_of(contact)) == ["customer", "vip"]
    assert values_of(contact) == {"tier": "gold", "score": 12.5, "birthday": date(1990, 3, 21), "car": True}
    record = ConsentRecord.get(ConsentRecord.contact == contact.id)
    assert (record.channel, record.status, record.previous_status, record.method) == ("email", "subscribed",
                                                                                      "unknown", "user")
    assert record.wording == "Ticked “Email me offers” at the Shiraz fair"
    assert record.actor_id == users["marketer"].id and record.user_agent.startswith("Werkzeug") and record.ip
    assert "Nasrin Sadeghi" in html(marketer.get(response.headers["Location"]))


BAD_INPUT = [
    ({"email": "nasrin@"}, "email", "Enter an email address like name@example.com."),
    ({"mobile": "0912"}, "mobile", "Enter a phone number with its area code"),
    ({"cf_tier": "platinum"}, "cf_tier", "Choose one of the options."),
    ({"cf_score": "many"}, "cf_score", "Enter a number"),
    ({"cf_birthday": "21/03/1990"}, "cf_birthday", "Enter a date as YYYY-MM-DD."),
    ({"first_name": "x" * 101}, "first_name", "Use at most 100 characters."),
    ({"wording_email": ""}, "wording_email", "Say how they agreed"),
    ({"tags": "a" * 101}, "tags", "at most 100 characters"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "Choose a time zone from the list."),
]


def test_bad_input_is_refused_with_a_clear_message_keeping_the_good_values(client_as, region, fields):
    marketer = client_as("marketer")
    for changes, field, message in BAD_INPUT:
        response = marketer.post("/contacts/new", form(**{"cf_car": "1", **changes}))
        page = html(response)
        assert response.status_code == 422 and message in page, field
        assert f'id="field-{field}" ' in page and 'aria-invalid="true"' in page, field
        assert 'value="Sadeghi"' in page and 'value="Kafe Ketab"' in page, field  # kept, custom values too
        assert '<option value="1" selected>' in page, field
        assert f'<option value="{changes.get("time_zone", "Asia/Tehran")}" selected>' in page, field
        assert "Ticked “Email me offers”" in page or field == "wording_email"
    assert Contact.select().count() == 0


def test_a_contact_needs_something_to_recognise_it_by(client_as, region):
    empty = {name: "" for name in ("first_name", "last_name", "company", "email", "mobile", "fax")}
    response = client_as("marketer").post("/contacts/new", form(**empty))
    assert response.status_code == 422 and "Give at least a name" in html(response)


def test_email_and_mobile_are_unique_after_normalisation_with_a_link_to_the_other(client_as, people):
    sara = people["sara"]
    response = client_as("marketer").post("/contacts/new", form(email=" SARA.KARIMI@example.com ",
                                                                mobile="+98 (912) 123-4567"))
    page = html(response)
    assert response.status_code == 422
    assert f'<a href="/contacts/{sara.id}" dir="auto">Sara Karimi</a> already has this email address.' in page
    assert f'<a href="/contacts/{sara.id}" dir="auto">Sara Karimi</a> already has this mobile number.' in page
    assert Contact.select().count() == 3


def test_editing_changes_fields_tags_and_records_only_the_consent_that_changed(client_as, people, users):
    sara = people["sara"]
    manager = client_as("manager")
    page = html(manager.get(f"/contacts/{sara.id}/edit"))
    assert 'value="sara.karimi@example.com"' in page and 'value="+98 912 123 4567"' in page
    before = ConsentRecord.select().where(ConsentRecord.contact == sara.id).count()
    response = manager.post(f"/contacts/{sara.id}/edit", form(
        first_name="Sara", last_name="Karimi-Rad", email="sara.karimi@example.com", mobile="+98 912 123 4567",
        tags="VIP, partner", consent_email="subscribed", wording_email="", consent_sms="unsubscribed",
        wording_sms="Asked by phone to stop SMS", dnc="1"))
    assert response.status_code == 302, html(response)[:3000]
    sara = Contact.get_by_id(sara.id)
    assert (sara.last_name, sara.consent_sms, sara.do_not_contact) == ("Karimi-Rad", "unsubscribed", True)
    assert sorted(tags_of(sara)) == ["VIP", "partner"]
    new = list(ConsentRecord.select().where(ConsentRecord.contact == sara.id).order_by(ConsentRecord.id))[before:]
    assert [(r.channel, r.status, r.method, r.actor_id) for r in new] == [
        ("sms", "unsubscribed", "user", users["manager"].id), ("all", "do_not_contact", "user", users["manager"].id)]
    assert new[0].wording == "Asked by phone to stop SMS"


def test_inline_validation_returns_the_field_with_its_error(client_as, people, fields):
    marketer = client_as("marketer")
    bad = marketer.post("/contacts/validate/email", {"email": "no-at-sign"})
    assert bad.status_code == 200 and "<html" not in html(bad)
    assert 'class="field-error"' in html(bad) and 'value="no-at-sign"' in html(bad)
    assert 'hx-post="/contacts/validate/email"' in html(bad)  # the swapped-in field validates again
    good = marketer.post("/contacts/validate/email", {"email": "new@example.com"})
    assert "field-error" not in html(good)
    taken = marketer.post("/contacts/validate/mobile", {"mobile": "۰۹۱۲۱۲۳۴۵۶۷"})
    assert f'href="/contacts/{people["sara"].id}"' in html(taken)
    own = marketer.post(f"/contacts/validate/mobile?contact={people['sara'].id}", {"mobile": "09121234567"})
    assert "field-error" not in html(own)  # a contact's own number is not a duplicate
    choice = marketer.post("/contacts/validate/cf_tier", {"cf_tier": "platinum"})
    assert "Choose one of the options." in html(choice)
    assert marketer.post("/contacts/validate/nonsense", {"nonsense": "x"}).status_code == 204
