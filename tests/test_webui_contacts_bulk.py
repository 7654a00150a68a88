"""Bulk actions from the contacts list: tag, untag, consent and delete, on ticked rows or every match."""
import json

from contacts_support import html, people, region  # noqa: F401

from chapar.contacts import tags_of
from chapar.models import AuditLog, ConsentRecord, Contact, ContactTag, Tag


def bulk(browser, action, scope="selected", ids=(), filter="", **fields):
    data = {"action": action, "scope": scope, "ids": [str(i) for i in ids], "filter": filter,
            "next": "/contacts?" + filter if filter else "/contacts", **fields}
    return browser.post("/contacts/bulk", data)


def test_tagging_and_untagging_the_ticked_contacts(client_as, people):
    marketer = client_as("marketer")
    john, sara = people["john"], people["sara"]
    response = bulk(marketer, "tag", ids=[john.id, sara.id], tag_name="  spring   sale ")
    assert response.status_code == 302 and response.headers["Location"] == "/contacts"
    assert "Tagged 2 contacts with “spring sale”." in html(marketer.get("/contacts"))
    assert "spring sale" in tags_of(john) and "spring sale" in tags_of(sara)
    bulk(marketer, "untag", ids=[sara.id], untag_name="spring sale")
    assert "spring sale" not in tags_of(sara) and "spring sale" in tags_of(john)
    assert Tag.select().where(Tag.name == "spring sale").exists()  # the tag stays for the others


def test_bulk_actions_apply_to_everything_the_filter_matches(client_as, people):
    marketer = client_as("marketer")
    response = bulk(marketer, "tag", scope="all", filter="tag=VIP", tag_name="مشتری ویژه")
    assert response.headers["Location"] == "/contacts?tag=VIP"
    tagged = {link.contact_id for link in ContactTag.select().join(Tag).where(Tag.name == "مشتری ویژه")}
    assert tagged == {people["sara"].id, people["ali"].id}
    bulk(marketer, "untag", scope="all", filter="q=sara", untag_name="مشتری ویژه")
    assert "مشتری ویژه" not in tags_of(people["sara"]) and "مشتری ویژه" in tags_of(people["ali"])


def test_changing_consent_in_bulk_records_each_change_with_its_wording(client_as, people, users):
    marketer = client_as("marketer")
    refused = bulk(marketer, "consent", scope="all", channel="email", status="unsubscribed", wording=" ")
    assert refused.status_code == 302 and Contact.get_by_id(people["sara"].id).consent_email == "subscribed"
    assert "kept as evidence" in html(marketer.get("/contacts"))
    before = ConsentRecord.select().count()
    bulk(marketer, "consent", scope="all", channel="email", status="unsubscribed",
         wording="Asked at the shop counter to stop emails")
    assert {c.consent_email for c in Contact.select()} == {"unsubscribed"}
    records = list(ConsentRecord.select().where(ConsentRecord.id > 0).order_by(ConsentRecord.id))[before:]
    assert len(records) == 3
    assert {r.contact_id: r.previous_status for r in records} == {
        people["sara"].id: "subscribed", people["john"].id: "unknown", people["ali"].id: "unknown"}
    assert {(r.method, r.status, r.wording, r.actor_id) for r in records} == {
        ("user", "unsubscribed", "Asked at the shop counter to stop emails", users["marketer"].id)}
    # Again: nobody changes, so nothing is recorded.
    bulk(marketer, "consent", scope="all", channel="email", status="unsubscribed", wording="again")
    assert ConsentRecord.select().count() == before + 3
    assert "Email consent is now “Unsubscribed” for 0 contacts." in html(marketer.get("/contacts"))


def test_nothing_ticked_or_no_action_is_refused_kindly(client_as, people):
    marketer = client_as("marketer")
    bulk(marketer, "tag", tag_name="x")
    assert "Tick at least one contact" in html(marketer.get("/contacts"))
    bulk(marketer, "dance", ids=[people["john"].id])
    assert "Choose an action." in html(marketer.get("/contacts"))
    assert not Tag.select().where(Tag.name == "x").exists()


def test_deleting_needs_a_manager_and_a_confirmation_showing_how_many(client_as, people, users):
    assert bulk(client_as("marketer"), "delete", scope="all", filter="tag=VIP").status_code == 403
    manager = client_as("manager")
    confirm = bulk(manager, "delete", scope="all", filter="tag=VIP")
    page = html(confirm)
    assert confirm.status_code == 200 and "Delete 2 contacts?" in page and "Sara Karimi" in page
    assert Contact.select().count() == 3  # nothing yet
    done = manager.post("/contacts/delete", {"scope": "all", "filter": "tag=VIP", "expected": "2",
                                             "next": "/contacts?tag=VIP"})
    assert done.status_code == 302
    assert [c.id for c in Contact.select()] == [people["john"].id]
    assert not ConsentRecord.select().where(ConsentRecord.contact == people["sara"].id).exists()
    entry = AuditLog.get(AuditLog.action == "contacts.deleted")
    assert entry.actor_id == users["manager"].id and json.loads(entry.details) == {"count": 2, "filter": "tag=VIP"}
    assert "Deleted 2 contacts." in html(manager.get("/contacts"))


def test_a_delete_asks_again_when_the_matches_changed_meanwhile(client_as, people):
    manager = client_as("manager")
    again = manager.post("/contacts/delete", {"scope": "all", "filter": "", "expected": "2", "next": "/contacts"})
    assert again.status_code == 200 and "changed since you asked" in html(again) and "Delete 3 contacts?" in html(again)
    assert Contact.select().count() == 3


def test_deleting_one_contact_from_its_page(client_as, people):
    manager = client_as("manager")
    john = people["john"]
    confirm = html(bulk(manager, "delete", ids=[john.id]))
    assert "Delete 1 contact?" in confirm and f'name="ids" value="{john.id}"' in confirm
    manager.post("/contacts/delete", {"scope": "selected", "ids": str(john.id), "expected": "1", "next": "/contacts"})
    assert not Contact.select().where(Contact.id == john.id).exists()
    assert json.loads(AuditLog.get(AuditLog.action == "contacts.deleted").details)["ids"] == [john.id]


def test_managers_export_the_ticked_contacts_from_the_list_and_marketers_see_no_button(client_as, people):
    manager = client_as("manager")
    page = manager.get("/contacts").get_data(as_text=True)
    assert 'formaction="/contacts/export.csv"' in page and "Export CSV" in page
    picked = manager.post("/contacts/export.csv", data={"scope": "selected", "ids": [str(people["ali"].id)]})
    assert picked.status_code == 200 and picked.mimetype == "text/csv"
    csv_text = picked.get_data(as_text=True)
    assert "ali@example.ir" in csv_text and "علی" in csv_text and "john@example.com" not in csv_text
    assert "Export CSV" not in client_as("marketer").get("/contacts").get_data(as_text=True)
