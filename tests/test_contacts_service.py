"""chapar.contacts: normalisation, uniqueness after it, consent history, merging, tags, bulk edits, timeline."""
from datetime import datetime, timedelta, timezone

import pytest
from contacts_support import region  # noqa: F401

from chapar.contacts import (add_tags, change_consent, create_contact, merge_contacts, normalise_email,
                             normalise_phone, remove_tags, set_do_not_contact, tags_of, update_contact, values_of)
from chapar.contacts.bulk_edit import consent_selection, delete_selection, tag_selection, untag_selection
from chapar.contacts.fields import define_field
from chapar.contacts.timeline import TimelineEntry, timeline_of
from chapar.errors import FieldError, ValidationFailed
from chapar.models import ConsentRecord, Contact, ContactTag, utcnow


@pytest.mark.parametrize("raw, stored", [
    ("  Sara.Karimi@Example.COM ", "sara.karimi@example.com"), ("", None), (None, None),
])
def test_emails_are_trimmed_and_lower_cased(raw, stored):
    assert normalise_email(raw) == stored


@pytest.mark.parametrize("raw", ["sara@", "@example.com", "sara example.com", "sara@@example.com"])
def test_a_bad_email_is_a_field_error(raw):
    with pytest.raises(FieldError) as caught:
        normalise_email(raw)
    assert (caught.value.field, caught.value.code) == ("email", "invalid_email")


@pytest.mark.parametrize("raw", ["09121234567", "0912 123 4567", "+98 912 123 4567", "0098-912-123-4567",
                                 "(0912) 123 4567", "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", "+۹۸۹۱۲۱۲۳۴۵۶۷"])
def test_phone_numbers_are_stored_in_e164_whatever_the_digits(raw):
    assert normalise_phone(raw, "IR") == "+989121234567"


@pytest.mark.parametrize("raw, region_code", [("0912", "IR"), ("not a number", "IR"), ("09121234567", "")])
def test_a_bad_or_ambiguous_number_is_a_field_error(raw, region_code):
    with pytest.raises(FieldError) as caught:
        normalise_phone(raw, region_code, field="fax")
    assert (caught.value.field, caught.value.code) == ("fax", "invalid_phone")


def test_email_and_mobile_are_unique_after_normalisation(region):
    sara = create_contact({"first_name": "Sara", "email": "Sara@Example.com", "mobile": "09121234567"})
    with pytest.raises(ValidationFailed) as caught:
        create_contact({"email": " sara@example.COM", "mobile": "+98 (912) 123-4567"})
    assert {name: error.code for name, error in caught.value.errors.items()} == {"email": "duplicate",
                                                                                 "mobile": "duplicate"}
    assert Contact.select().count() == 1
    update_contact(sara, {"email": "SARA@example.com", "mobile": "۰۹۱۲۱۲۳۴۵۶۷"})  # its own values are fine
    other = create_contact({"email": "other@example.com"})
    with pytest.raises(ValidationFailed):
        update_contact(other, {"mobile": "0912 123 4567"})
    assert Contact.get_by_id(other.id).mobile is None


def test_consent_history_is_never_deleted_by_a_status_change(region, users):
    contact = create_contact({"email": "a@example.com"})
    steps = [("subscribed", "form"), ("unsubscribed", "unsubscribe_link"), ("subscribed", "user"),
             ("bounced", "bounce")]
    for status, method in steps:
        assert change_consent(contact, "email", status, method, actor=users["admin"], wording=f"{status}!")
    assert change_consent(contact, "email", "bounced", "user") is None  # no change, no record
    set_do_not_contact(contact, True, "user")
    set_do_not_contact(contact, False, "user")
    history = list(ConsentRecord.select().where(ConsentRecord.contact == contact.id).order_by(ConsentRecord.id))
    assert [(r.previous_status, r.status) for r in history] == [
        ("unknown", "subscribed"), ("subscribed", "unsubscribed"), ("unsubscribed", "subscribed"),
        ("subscribed", "bounced"), ("contact_allowed", "do_not_contact"), ("do_not_contact", "contact_allowed")]
    assert Contact.get_by_id(contact.id).consent_email == "bounced"


def test_merging_keeps_both_histories_tags_values_and_the_stricter_consent(region, users):
    define_field("tier", "Tier", "choice", ["gold", "silver"])
    define_field("score", "Score", "number")
    keep = create_contact({"first_name": "Sara", "email": "sara@example.com", "tier": "gold"})
    drop = create_contact({"first_name": "Sara K", "last_name": "Karimi", "mobile": "09121234567",
                           "city": "Tehran", "tier": "silver", "score": 7})
    change_consent(keep, "email", "subscribed", "form", wording="Form A")
    change_consent(drop, "email", "unsubscribed", "unsubscribe_link")
    change_consent(drop, "sms", "subscribed", "import", detail="fair.csv")
    add_tags([keep.id], ["vip"])
    add_tags([drop.id], ["vip", "fair"])
    kept = merge_contacts(keep, drop, actor=users["manager"])
    assert not Contact.select().where(Contact.id == drop.id).exists()
    assert (kept.first_name, kept.last_name, kept.mobile, kept.city) == ("Sara", "Karimi", "+989121234567", "Tehran")
    assert (kept.consent_email, kept.consent_sms) == ("unsubscribed", "subscribed")
    assert sorted(tags_of(kept)) == ["fair", "vip"]
    assert values_of(kept) == {"tier": "gold", "score": 7.0}
    history = list(ConsentRecord.select().where(ConsentRecord.contact == kept.id).order_by(ConsentRecord.id))
    assert [(r.channel, r.status, r.method) for r in history] == [
        ("email", "subscribed", "form"), ("email", "unsubscribed", "unsubscribe_link"),
        ("sms", "subscribed", "import"), ("email", "unsubscribed", "merge"), ("sms", "subscribed", "merge")]
    assert history[-1].detail == f"merged contact #{drop.id}" and history[-1].actor_id == users["manager"].id


def test_tags_are_cleaned_added_once_and_removed(region):
    a, b = create_contact({"email": "a@example.com"}), create_contact({"email": "b@example.com"})
    add_tags([a.id, b.id], ["  spring   sale ", "VIP", "spring sale"])
    add_tags([a.id], ["VIP"])
    assert tags_of(a) == ["VIP", "spring sale"] and ContactTag.select().count() == 4
    remove_tags([a.id], ["spring sale", "never existed"])
    assert tags_of(a) == ["VIP"] and tags_of(b) == ["VIP", "spring sale"]
    with pytest.raises(ValueError):
        add_tags([a.id], ["x" * 101])


def test_bulk_edits_change_every_selected_contact_with_set_based_statements(region, users):
    contacts = [create_contact({"email": f"p{n}@example.com", "source": "import" if n % 2 else "manual"})
                for n in range(6)]
    change_consent(contacts[1], "sms", "subscribed", "form")
    imported = Contact.select(Contact.id).where(Contact.source == "import")
    tag_selection(imported, ["imported", "2024"])
    assert sorted(c.id for c in Contact.select().join(ContactTag).distinct()) == [c.id for c in contacts[1::2]]
    assert untag_selection(imported, ["2024", "no such tag"]) == 3
    changed = consent_selection(imported, "sms", "unsubscribed", "user", actor=users["marketer"],
                                detail="bulk", wording="Asked to stop", ip="10.0.0.1", user_agent="UA")
    assert changed == 3
    records = ConsentRecord.select().where(ConsentRecord.status == "unsubscribed").order_by(ConsentRecord.contact)
    assert [(r.contact_id, r.previous_status, r.wording, r.actor_id, r.ip) for r in records] == [
        (c.id, "subscribed" if c is contacts[1] else "unknown", "Asked to stop", users["marketer"].id, "10.0.0.1")
        for c in contacts[1::2]]
    assert consent_selection(imported, "sms", "unsubscribed", "user") == 0  # nobody changes again
    with pytest.raises(ValueError):
        consent_selection(imported, "pigeon", "subscribed", "user")
    assert delete_selection(imported) == 3
    assert Contact.select().count() == 3 and not ConsentRecord.select().where(ConsentRecord.status == "unsubscribed")


def test_the_timeline_is_newest_first_with_creation_last(region, users):
    contact = create_contact({"email": "t@example.com"})
    first = change_consent(contact, "email", "subscribed", "form", wording="Yes please")
    later = change_consent(contact, "email", "unsubscribed", "user", actor=users["marketer"], detail="phone")
    ConsentRecord.update(created_at=first.created_at + timedelta(minutes=1)).where(
        ConsentRecord.id == later.id).execute()
    entries = timeline_of(contact)
    assert [str(e.title) for e in entries] == ["Email: Unsubscribed", "Email: Subscribed", "Added to Chapar"]
    assert entries[0].actor == "Marketer" and ("Detail", "phone") in [(str(k), v) for k, v in entries[0].details]
    assert entries[1].text == "Yes please" and entries[1].kind == "consent"
    assert entries[-1].kind == "created"


def test_timeline_entries_sort_aware_and_naive_times_together():
    aware = TimelineEntry(when=datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=3, minutes=30))),
                          title="aware")
    naive = TimelineEntry(when=datetime(2024, 1, 1, 9, 0), title="naive")
    assert aware.sort_key == datetime(2024, 1, 1, 8, 30)
    assert sorted([aware, naive], key=lambda e: e.sort_key)[0].title == "aware"
    assert TimelineEntry(when=utcnow(), title="x", href="javascript:alert(1)").safe_href == ""
    assert TimelineEntry(when=utcnow(), title="x", href="//evil.example").safe_href == ""
    assert TimelineEntry(when=utcnow(), title="x", href="/sms/1").safe_href == "/sms/1"
