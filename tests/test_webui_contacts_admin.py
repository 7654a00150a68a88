"""The Custom fields admin page and the Tags page."""
import json

import pytest
from contacts_support import html, people, region  # noqa: F401

from chapar.contacts import define_field, tags_of, values_of
from chapar.contacts.fields import set_values
from chapar.models import AuditLog, ContactFieldValue, CustomField, Tag


def test_custom_fields_are_for_admins(client_as):
    for role in ("manager", "marketer", "viewer"):
        browser = client_as(role)
        assert browser.get("/admin/fields").status_code == 403
        assert browser.post("/admin/fields", {"key": "x", "label": "X", "kind": "text"}).status_code == 403
    assert not CustomField.select().exists()


def test_an_admin_defines_fields_of_every_kind(client_as):
    admin = client_as("admin")
    for key, label, kind, choices in (("tier", "Customer tier", "choice", "Gold\r\nSilver\r\n\r\n"),
                                      ("birthday", "Birthday", "date", ""), ("score", "Lead score", "number", ""),
                                      ("has_car", "Owns a car", "boolean", ""), ("branch", "شعبه", "text", "")):
        response = admin.post("/admin/fields", {"key": key, "label": label, "kind": kind, "choices": choices})
        assert response.status_code == 302, html(response)[:2000]
    page = html(admin.get("/admin/fields"))
    assert "Customer tier" in page and "Gold, Silver" in page and "شعبه" in page and "Yes or no" in page
    assert CustomField.get(CustomField.key == "tier").choices == ["Gold", "Silver"]
    assert "Owns a car" in html(client_as("marketer").get("/contacts/new"))  # on every contact's form


@pytest.mark.parametrize("form, message", [
    ({"key": "2fast", "kind": "text"}, "Start with a letter"),
    ({"key": "email", "kind": "text"}, "belongs to a built-in contact field"),
    ({"key": "tier", "kind": "choice", "choices": "  "}, "List at least one choice"),
    ({"key": "size", "kind": "colour"}, "Choose one of the kinds."),
    ({"key": "taken", "kind": "text"}, "Another custom field has this key."),
])
def test_a_field_with_a_problem_is_refused_keeping_what_was_typed(client_as, form, message):
    define_field("taken", "Taken", "text")
    response = client_as("admin").post("/admin/fields", {"label": "My label", "choices": "", **form})
    assert response.status_code == 422 and message in html(response) and 'value="My label"' in html(response)
    assert CustomField.select().count() == 1


def test_deleting_a_field_asks_first_then_deletes_its_values(client_as, people, users):
    tier = define_field("tier", "Customer tier", "choice", ["gold"])
    set_values(people["sara"].id, {tier: "gold"})
    set_values(people["john"].id, {tier: "gold"})
    admin = client_as("admin")
    confirm = html(admin.get(f"/admin/fields/{tier.id}/delete"))
    assert "Its values on 2 contacts are deleted with it." in confirm
    assert admin.post(f"/admin/fields/{tier.id}/delete").status_code == 302
    assert not CustomField.select().exists() and not ContactFieldValue.select().exists()
    assert values_of(people["sara"]) == {}
    entry = AuditLog.get(AuditLog.action == "custom_field.deleted")
    assert entry.target == "tier" and json.loads(entry.details) == {"values": 2}
    assert admin.get(f"/admin/fields/{tier.id}/delete").status_code == 404


def test_the_tags_page_counts_contacts_and_links_to_them(client_as, people):
    page = html(client_as("viewer").get("/tags"))
    assert 'href="/contacts?tag=VIP"' in page and "مشتری" in page
    assert ">2</a>" in page and ">1</a>" in page
    assert "Rename" not in page and "/delete" not in page  # a viewer only reads
    assert "مشتری" not in html(client_as("viewer").get("/tags?q=VI"))


def test_renaming_a_tag_and_merging_it_into_another(client_as, people):
    marketer = client_as("marketer")
    vip, customer = Tag.get(Tag.name == "VIP"), Tag.get(Tag.name == "مشتری")
    marketer.post(f"/tags/{vip.id}/rename", {"name": "  Very   important "})
    assert Tag.get_by_id(vip.id).name == "Very important" and tags_of(people["sara"]) == ["Very important"]
    marketer.post(f"/tags/{customer.id}/rename", {"name": "Very important"})  # merges
    assert not Tag.select().where(Tag.id == customer.id).exists()
    assert tags_of(people["ali"]) == ["Very important"]
    assert "Merged “مشتری” into “Very important”" in html(marketer.get("/tags"))
    marketer.post(f"/tags/{vip.id}/rename", {"name": " "})
    assert "Type a new name" in html(marketer.get("/tags")) and Tag.get_by_id(vip.id).name == "Very important"


def test_deleting_a_tag_needs_a_manager_and_keeps_the_contacts(client_as, people):
    vip = Tag.get(Tag.name == "VIP")
    marketer = client_as("marketer")
    assert marketer.post(f"/tags/{vip.id}/delete").status_code == 403
    assert f"/tags/{vip.id}/delete" not in html(marketer.get("/tags"))
    manager = client_as("manager")
    assert "2 contacts carry it." in html(manager.get(f"/tags/{vip.id}/delete"))
    assert manager.post(f"/tags/{vip.id}/delete").status_code == 302
    assert not Tag.select().where(Tag.name == "VIP").exists() and tags_of(people["sara"]) == []
    assert AuditLog.get(AuditLog.action == "tag.deleted").target == "VIP"
