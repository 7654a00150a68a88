"""A contact's page (every field, custom values, tags, consent, the timeline and its hook) and merging."""
import json
from datetime import date, timedelta

import jdatetime
import pytest
from contacts_support import html, people, region  # noqa: F401
from fixture_plugin.testing import plugins  # noqa: F401

import fixture_plugin
from chapar import TimelineEntry, hookimpl
from chapar.contacts import (add_tags, change_consent, define_field, set_do_not_contact, tags_of, update_contact,
                             values_of)
from chapar.contacts.fields import set_values
from chapar.i18n import persian_digits
from chapar.models import AuditLog, ConsentRecord, Contact, utcnow


def test_the_page_shows_every_field_custom_values_tags_and_consent(client_as, people, users):
    sara = people["sara"]
    birthday = define_field("birthday", "Birthday", "date")
    car = define_field("car", "Owns a car", "boolean")
    set_values(sara.id, {birthday: date(1990, 3, 21), car: False})
    update_contact(sara, {"fax": "021 8877 6655", "address_line1": "No. 12, Vanak Sq.", "city": "Tehran",
                          "country": "IR", "job_title": "Marketing lead", "utm_campaign": "spring-1403"})
    set_do_not_contact(sara, True, "user", actor=users["manager"])
    page = html(client_as("viewer").get(f"/contacts/{sara.id}"))
    for text in ("Sara Karimi", "sara.karimi@example.com", "+98 912 123 4567", "+98 21 8877 6655",
                 "Parsian Insurance", "Marketing lead", "No. 12, Vanak Sq.", "Iran", "spring-1403", "Web form",
                 "Birthday", "Mar 21, 1990", "Owns a car", "No", "VIP", "Do not contact"):
        assert text in page, text
    assert '<span class="consent-pill is-subscribed">Subscribed</span>' in page
    assert client_as("viewer").get("/contacts/999999").status_code == 404


def test_the_timeline_lists_consent_changes_newest_first_with_who_how_and_wording(client_as, people, users):
    sara = people["sara"]
    record = change_consent(sara, "email", "unsubscribed", "user", actor=users["marketer"],
                            detail="Phone call", wording="Please stop the newsletter")
    ConsentRecord.update(created_at=utcnow() + timedelta(minutes=5)).where(ConsentRecord.id == record.id).execute()
    page = html(client_as("viewer").get(f"/contacts/{sara.id}"))
    timeline = page.split('class="timeline"', 1)[1]
    newest, older = timeline.index("Email: Unsubscribed"), timeline.index("Email: Subscribed")
    assert newest < older < timeline.index("Added to Chapar")
    for text in ("by Marketer", "Changed by a user", "Phone call", "Please stop the newsletter", "Before",
                 "Form", "Join form", "Send me offers by email"):
        assert text in timeline, text


@pytest.fixture
def timeline_plugin(plugins, database_url):  # noqa: F811 - registered before the app is built
    return plugins.fixture()


@pytest.mark.hook("contact_timeline")
def test_hook_contact_timeline_adds_a_plugins_entries(timeline_plugin, client_as, people):
    sara = people["sara"]
    page = html(client_as("viewer").get(f"/contacts/{sara.id}"))
    assert [call["contact"].id for call in fixture_plugin.calls_of("contact_timeline")] == [sara.id]
    assert f'<a href="/fixture-plugin/">Fixture message to contact {sara.id}</a>' in page
    assert "Hello from the fixture plugin" in page and "kind-message" in page
    # Newest first: the plugin's entry (now) comes before the consent change made earlier.
    assert page.index(f"Fixture message to contact {sara.id}") < page.index("Email: Subscribed")


class Failing:
    @hookimpl
    def contact_timeline(self, contact):
        raise RuntimeError("the SMS database is down")


class WrongShape:
    @hookimpl
    def contact_timeline(self, contact):
        return [{"title": "not an entry"}]


class Hostile:
    @hookimpl
    def contact_timeline(self, contact):
        return [TimelineEntry(when=utcnow(), title="<script>alert(1)</script>", href="javascript:alert(1)",
                              details=(("x", '"><img src=x>'),))]


@pytest.mark.hook("contact_timeline")
def test_a_plugin_failing_in_contact_timeline_leaves_the_page_working(plugins, database_url,  # noqa: F811
                                                                      client_as, people):
    for plugin, name in ((Failing(), "failing"), (WrongShape(), "wrong_shape"), (Hostile(), "hostile")):
        plugins.register(plugin, name=name)
    response = client_as("viewer").get(f"/contacts/{people['sara'].id}")
    page = html(response)
    assert response.status_code == 200 and "Email: Subscribed" in page and "Added to Chapar" in page
    assert "the SMS database is down" in plugins.state("failing").error
    assert "TimelineEntry" in plugins.state("wrong_shape").error
    assert "<script>alert(1)</script>" not in page and "javascript:" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_persian_page_is_right_to_left_with_jalali_dates(client_as, people, users):
    users["viewer"].locale = "fa"
    users["viewer"].save()
    ali = people["ali"]
    page = html(client_as("viewer").get(f"/contacts/{ali.id}"))
    assert '<html lang="fa" dir="rtl">' in page and "علی رضایی" in page and "مشتری" in page
    assert persian_digits(jdatetime.date.fromgregorian(date=ali.created_at.date()).strftime("%Y/%m/%d")) in page


def test_merge_finds_the_other_previews_the_result_and_keeps_both_histories(client_as, people, users, region):
    sara, john = people["sara"], people["john"]
    change_consent(sara, "sms", "subscribed", "import", detail="fair.csv")
    duplicate = Contact.create(first_name="Sara", last_name="Karimi", email="sara.k@work.example", city="Tehran")
    change_consent(duplicate, "sms", "unsubscribed", "keyword", detail="STOP", wording="")
    change_consent(duplicate, "email", "subscribed", "form", wording="Other form")
    add_tags([duplicate.id], ["webinar"])
    manager = client_as("manager")
    assert client_as("marketer").get(f"/contacts/{sara.id}/merge").status_code == 403
    suggestions = html(manager.get(f"/contacts/{sara.id}/merge"))
    assert f"/contacts/{sara.id}/merge/{duplicate.id}" in suggestions  # same name
    for query in ("john@example.com", "+44 7911 123456", f"#{john.id}"):
        assert f"/contacts/{sara.id}/merge/{john.id}" in html(manager.get(f"/contacts/{sara.id}/merge",
                                                                          query_string={"q": query})), query

    histories = {c.id: ConsentRecord.select().where(ConsentRecord.contact == c.id).count() for c in (sara, duplicate)}
    preview = html(manager.get(f"/contacts/{sara.id}/merge/{duplicate.id}"))
    assert "After merging" in preview and "Tehran" in preview and "webinar" in preview
    assert Contact.select().where(Contact.id == duplicate.id).exists()  # the preview changed nothing
    assert Contact.get_by_id(sara.id).city == ""
    assert ConsentRecord.select().count() == sum(histories.values()) + 1  # + John's
    swapped = html(manager.get(f"/contacts/{sara.id}/merge/{duplicate.id}?keep={duplicate.id}"))
    assert f"Merge into #{duplicate.id}" in swapped

    done = manager.post(f"/contacts/{sara.id}/merge/{duplicate.id}", {"keep": str(sara.id)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/contacts/{sara.id}")
    kept = Contact.get_by_id(sara.id)
    assert not Contact.select().where(Contact.id == duplicate.id).exists()
    assert (kept.city, kept.email, kept.consent_sms) == ("Tehran", "sara.karimi@example.com", "unsubscribed")
    assert sorted(tags_of(kept)) == ["VIP", "webinar"]
    history = ConsentRecord.select().where(ConsentRecord.contact == sara.id)
    assert history.count() == sum(histories.values()) + 1  # both histories, plus the merge's own change
    assert {r.wording for r in history} >= {"Send me offers by email", "Other form"}
    entry = AuditLog.get(AuditLog.action == "contact.merged")
    assert entry.actor_id == users["manager"].id and json.loads(entry.details)["merged_id"] == duplicate.id
    page = html(manager.get(f"/contacts/{sara.id}"))
    assert f"Merged with contact #{duplicate.id}" in page and "sara.k@work.example" in page
    assert values_of(kept) == {}


def test_merging_a_contact_with_itself_or_a_stranger_is_refused(client_as, people):
    manager = client_as("manager")
    sara, john = people["sara"].id, people["john"].id
    assert manager.get(f"/contacts/{sara}/merge/{sara}").status_code == 404
    assert manager.get(f"/contacts/{sara}/merge/{john}?keep=999").status_code == 400
    assert manager.post(f"/contacts/{sara}/merge/999999", {"keep": sara}).status_code == 404
    assert Contact.select().count() == 3
