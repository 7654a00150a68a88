"""POST /api/v1/contacts/bulk: many contacts per call, a result per item, bad items failing alone."""
import pytest

from chapar.contacts import change_consent, create_contact, define_field, tags_of, values_of
from chapar.models import AuditLog, ConsentRecord, Contact, SiteSetting

URL = "/api/v1/contacts/bulk"


@pytest.fixture
def marketer_api(api_as):
    SiteSetting.set_value("default_country", "IR")
    return api_as("marketer")


def test_mixed_good_and_bad_items_get_a_result_each(app, marketer_api, users):
    define_field("score", "Score", "number")
    existing = create_contact({"email": "old@example.com", "first_name": "Old", "company": "Acme"})
    change_consent(existing, "email", "unsubscribed", "user")
    body = {"contacts": [
        {"email": "New@Example.com", "first_name": "زهرا", "mobile": "۰۹۱۲۱۲۳۴۵۶۷", "tags": ["api"],
         "custom_fields": {"score": 7}},
        {"email": "old@example.com", "last_name": "Updated", "company": None},
        {"email": "bad", "mobile": "12"},
        {"first_name": "No email"},
        {"email": "x@example.com", "unknown_field": 1},
        "not an object",
        {"email": "y@example.com", "custom_fields": {"score": "many"}},
        {"email": "new@example.com", "city": "Tabriz"},
    ], "tags": ["bulk"], "consent": {"email": "subscribed"}, "wording": "Signed up at the fair"}
    response = marketer_api.post(URL, json=body)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["created"], data["updated"], data["skipped"], data["failed"]) == (1, 2, 0, 5)
    results = data["results"]
    assert [r["index"] for r in results] == list(range(8))
    assert [r["status"] for r in results] == ["created", "updated", "failed", "failed", "failed", "failed", "failed",
                                             "updated"]
    new = Contact.get(Contact.email == "new@example.com")
    assert results[0]["id"] == results[7]["id"] == new.id and results[1]["id"] == existing.id
    assert results[2]["errors"] == {"email": ["not a valid email address"], "mobile": ["not a valid phone number"]}
    assert results[3]["errors"] == {"email": ["email is empty, and contacts are matched by it"]}
    assert results[4]["errors"] == {"unknown_field": ["Unknown field."]}
    assert results[5]["errors"] == {"_item": ["Must be an object."]}
    assert results[6]["errors"] == {"custom_fields": {"score": ["not a number"]}}
    assert results[2]["id"] is None
    assert (new.first_name, new.mobile, new.city, new.source, new.consent_email) == (
        "زهرا", "+989121234567", "Tabriz", "api", "subscribed")
    assert sorted(tags_of(new)) == ["api", "bulk"] and values_of(new) == {"score": 7.0}
    old = Contact.get_by_id(existing.id)
    assert (old.last_name, old.company, old.consent_email) == ("Updated", "Acme", "unsubscribed")
    record = ConsentRecord.get((ConsentRecord.contact == new) & (ConsentRecord.method == "api"))
    assert (record.wording, record.actor_id) == ("Signed up at the fair", users["marketer"].id)
    assert AuditLog.get(AuditLog.action == "contacts.bulk_upserted").actor_id == users["marketer"].id


def test_matching_by_mobile_and_skipping_existing(app, marketer_api):
    create_contact({"mobile": "+989121111111", "first_name": "Keep"})
    body = {"key": "mobile", "update_existing": False,
            "contacts": [{"mobile": "09121111111", "first_name": "Changed"}, {"mobile": "09122222222"}]}
    data = marketer_api.post(URL, json=body).get_json()
    assert [(r["status"], r["id"] is not None) for r in data["results"]] == [("skipped", True), ("created", True)]
    assert Contact.get(Contact.mobile == "+989121111111").first_name == "Keep"


def test_more_than_ten_thousand_items_are_refused_whole(app, marketer_api):
    response = marketer_api.post(URL, json={"contacts": [{"email": f"u{n}@example.com"} for n in range(10_001)]})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large" and "At most 10000 contacts per call" in error["message"]
    assert Contact.select().count() == 0


@pytest.mark.parametrize("body, field", [
    ({}, "contacts"), ({"contacts": []}, "contacts"), ({"contacts": [{}], "key": "fax"}, "key"),
    ({"contacts": [{}], "consent": {"email": "subscribed"}}, "wording"),
    ({"contacts": [{}], "consent": {"pigeon": "subscribed"}}, "consent"),
])
def test_wrong_call_settings_are_422(app, marketer_api, body, field):
    response = marketer_api.post(URL, json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["details"]["fields"]


def test_viewers_may_not_bulk_upsert(app, api_as):
    assert api_as("viewer").post(URL, json={"contacts": [{"email": "a@example.com"}]}).status_code == 403


def test_ten_thousand_contacts_in_one_call(app, marketer_api):
    response = marketer_api.post(URL, json={"contacts": [{"email": f"u{n}@example.com", "first_name": f"U{n}"}
                                                         for n in range(10_000)]})
    data = response.get_json()
    assert data["created"] == 10_000 == Contact.select().count()
    assert len({r["id"] for r in data["results"]}) == 10_000


def test_the_operation_is_in_the_openapi_document(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/contacts/bulk"]["post"]
    assert "413" in operation["responses"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert schema["properties"]["contacts"]["items"]["$ref"].endswith("/ContactInput")
    assert "BulkResult" in spec["components"]["schemas"]


def test_an_owner_must_be_a_user(app, marketer_api, users):
    body = {"contacts": [{"email": "a@example.com", "owner_id": users["manager"].id},
                         {"email": "b@example.com", "owner_id": 999_999}]}
    results = marketer_api.post(URL, json=body).get_json()["results"]
    assert results[0]["status"] == "created" and results[1]["errors"] == {"owner_id": ["no such user"]}
    assert Contact.get(Contact.email == "a@example.com").owner_id == users["manager"].id
