"""/api/v1/contacts: create, read, change and delete, with validation, duplicates and hostile input."""
import json

import pytest

from chapar.contacts import define_field
from chapar.models import AuditLog, ConsentRecord, Contact, ContactFieldValue, SiteSetting

FULL = {
    "first_name": "  سارا ", "last_name": "رضایی", "email": "Sara.Rezaei@Example.COM", "mobile": "0912 123 4567",
    "fax": "+98 21 8888 7777", "address_line1": "خیابان ولیعصر، پلاک ۱۲", "address_line2": "واحد ۳",
    "city": "تهران", "region": "Tehran", "postal_code": "1234567890", "country": "ir", "company": "Chapar & Co",
    "job_title": "CTO", "language": "fa", "time_zone": "Asia/Tehran", "source": "referral", "utm_source": "news",
    "utm_medium": "email", "utm_campaign": "spring", "utm_term": "crm", "utm_content": "hero",
}


def error_of(response, status):
    """The error body of `response`, after checking its status and JSON shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["error"]


@pytest.fixture
def iran(app):
    """Phone numbers without a country code are Iranian."""
    SiteSetting.set_value("default_country", "IR")


@pytest.fixture
def fields(app):
    """One custom field of every kind."""
    return {kind: define_field(kind, kind.title(), kind, choices=["gold", "silver"] if kind == "choice" else ())
            for kind in ("text", "number", "date", "choice", "boolean")}


def test_crud_round_trip(app, users, api_as, iran, fields):
    marketer = api_as("marketer")
    created = marketer.post("/api/v1/contacts", json={
        **FULL, "tags": ["vip"], "owner_id": users["marketer"].id,
        "custom_fields": {"text": "یادداشت", "number": 12.5, "date": "2024-02-29", "choice": "gold", "boolean": True}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/contacts/{body['id']}")
    assert body["first_name"] == "سارا" and body["full_name"] == "سارا رضایی"
    assert (body["email"], body["mobile"], body["fax"]) == ("sara.rezaei@example.com", "+989121234567", "+982188887777")
    assert body["country"] == "IR" and body["source"] == "referral" and body["owner_id"] == users["marketer"].id
    assert body["consent"] == {"email": "unknown", "sms": "unknown", "fax": "unknown", "print": "unknown"}
    assert body["do_not_contact"] is False and body["tags"] == ["vip"]
    assert body["custom_fields"] == {"text": "یادداشت", "number": 12.5, "date": "2024-02-29", "choice": "gold",
                                     "boolean": True}
    assert body["created_at"].endswith("+00:00") and body["updated_at"].endswith("+00:00")

    fetched = api_as("viewer").get(created.headers["Location"])
    assert fetched.status_code == 200 and fetched.get_json() == body

    changed = marketer.patch(f"/api/v1/contacts/{body['id']}", json={
        "city": "شیراز", "company": None, "owner_id": None, "custom_fields": {"number": None, "boolean": "خیر"}})
    assert changed.status_code == 200, changed.get_json()
    after = changed.get_json()
    assert (after["city"], after["company"], after["owner_id"]) == ("شیراز", "", None)
    assert after["custom_fields"] == {"text": "یادداشت", "date": "2024-02-29", "choice": "gold", "boolean": False}
    assert after["email"] == body["email"] and after["tags"] == ["vip"]  # untouched fields stay
    assert after["updated_at"] >= body["updated_at"]

    assert api_as("manager").delete(f"/api/v1/contacts/{body['id']}").status_code == 204
    assert error_of(marketer.get(f"/api/v1/contacts/{body['id']}"), 404)["code"] == "not_found"
    assert ContactFieldValue.select().count() == 0
    entry = AuditLog.get(AuditLog.action == "contact.deleted")
    assert entry.actor_id == users["manager"].id and "sara" not in entry.target + entry.details  # ids only


def test_api_contacts_default_to_source_api(app, users, api_as):
    assert api_as("marketer").post("/api/v1/contacts", json={"company": "Acme"}).get_json()["source"] == "api"


def test_persian_and_html_come_back_unchanged_as_data(app, users, api_as, fields):
    hostile = {"first_name": "<script>alert('x')</script>", "last_name": "ي ك ی ک \u200c‌نیم‌فاصله",
               "company": "<b>Bold</b> & \"quoted\"", "custom_fields": {"text": "<img src=x onerror=alert(1)>"}}
    client = api_as("marketer")
    created = client.post("/api/v1/contacts", json=hostile)
    assert created.status_code == 201
    fetched = client.get(f"/api/v1/contacts/{created.get_json()['id']}")
    assert fetched.mimetype == "application/json"
    body = fetched.get_json()
    assert {name: body[name] for name in ("first_name", "last_name", "company")} == {
        name: hostile[name].strip() for name in ("first_name", "last_name", "company")}
    assert body["custom_fields"]["text"] == hostile["custom_fields"]["text"]


def test_validation_errors_name_every_field(app, users, api_as, fields):
    client = api_as("marketer")
    error = error_of(client.post("/api/v1/contacts", json={
        "first_name": "Ali", "email": "not-an-email", "mobile": "12", "country": "Iran", "time_zone": "Mars/Base",
        "custom_fields": {"number": "many", "date": "31/12/2024", "choice": "bronze", "boolean": "perhaps",
                          "nope": 1}}), 422)
    assert error["code"] == "validation_failed" and error["details"]["location"] == "json"
    problems = error["details"]["fields"]
    assert set(problems) == {"email", "mobile", "country", "time_zone", "custom_fields"}
    assert set(problems["custom_fields"]) == {"number", "date", "choice", "boolean", "nope"}
    assert all(isinstance(messages, list) and messages for messages in problems["custom_fields"].values())
    assert Contact.select().count() == 0


@pytest.mark.parametrize("body, field", [
    ({"first_name": 42}, "first_name"),  # wrong type
    ({"first_name": ["a"]}, "first_name"),
    ({"first_name": "x" * 101}, "first_name"),  # too long for the column
    ({"first_name": "x" * 1_000_000}, "first_name"),  # huge
    ({"colour": "red", "first_name": "A"}, "colour"),  # unknown fields are errors, not ignored
    ({"first_name": "A", "source": "carrier pigeon"}, "source"),
    ({"first_name": "A", "owner_id": "1"}, "owner_id"),
    ({"first_name": "A", "owner_id": 999999}, "owner_id"),
    ({"first_name": "A", "tags": "vip"}, "tags"),
    ({"first_name": "A", "tags": ["   "]}, "tags"),
    ({"first_name": "A", "custom_fields": {"number": [1, 2]}}, "custom_fields"),
    ({"first_name": "A", "custom_fields": {"number": "nan"}}, "custom_fields"),
    ({"first_name": "A", "custom_fields": {"number": "1e999"}}, "custom_fields"),
    ({"first_name": "A", "custom_fields": {"email": "x@example.com"}}, "custom_fields"),  # core names stay core
    ({"first_name": "A", "custom_fields": "text"}, "custom_fields"),
    ({"id": 5, "first_name": "A"}, "id"),
    ({}, "_schema"),  # nothing to recognise the contact by
    ({"city": "Tabriz"}, "_schema"),
])
def test_bad_input_is_422_naming_the_field(app, users, api_as, fields, body, field):
    error = error_of(api_as("marketer").post("/api/v1/contacts", json=body), 422)
    assert field in error["details"]["fields"]
    assert Contact.select().count() == 0


def test_nul_characters_are_refused(app, users, api_as):
    response = api_as("marketer").post("/api/v1/contacts", json={"first_name": "nul\x00byte"})
    assert response.status_code == 400  # by the app-wide guard: PostgreSQL cannot store them
    assert Contact.select().count() == 0


def test_a_non_object_body_is_422(app, users, api_as):
    for body in ([{"first_name": "A"}], "A", 3):
        assert error_of(api_as("marketer").post("/api/v1/contacts", json=body), 422)["code"] == "validation_failed"


def test_read_only_fields_say_where_to_change_them(app, users, api_as):
    client = api_as("marketer")
    contact = client.post("/api/v1/contacts", json={"first_name": "Ali"}).get_json()
    error = error_of(client.patch(f"/api/v1/contacts/{contact['id']}", json=contact), 422)
    fields = error["details"]["fields"]
    assert "/consent" in fields["consent"][0] and "/consent" in fields["do_not_contact"][0]
    assert {"id", "created_at", "updated_at", "full_name"} <= set(fields)


def test_duplicates_after_normalisation_are_409(app, users, api_as, iran):
    client = api_as("marketer")
    first = client.post("/api/v1/contacts", json={"email": "Sara@Example.com", "mobile": "09121234567"}).get_json()
    error = error_of(client.post("/api/v1/contacts", json={"email": "  SARA@example.COM "}), 409)
    assert error["code"] == "conflict" and "email" in error["message"]
    assert error["details"]["fields"] == {"email": ["another contact already has this email"]}
    assert error["details"]["contact_ids"] == {"email": first["id"]}
    error = error_of(client.post("/api/v1/contacts", json={"mobile": "+98 (912) 123-4567"}), 409)
    assert error["details"]["contact_ids"] == {"mobile": first["id"]}
    error = error_of(client.post("/api/v1/contacts", json={"mobile": "۰۹۱۲۱۲۳۴۵۶۷"}), 409)  # Persian digits
    assert error["details"]["contact_ids"] == {"mobile": first["id"]}

    other = client.post("/api/v1/contacts", json={"email": "other@example.com"}).get_json()
    error = error_of(client.patch(f"/api/v1/contacts/{other['id']}", json={"email": "SARA@example.com"}), 409)
    assert error["details"]["contact_ids"] == {"email": first["id"]}
    assert client.get(f"/api/v1/contacts/{other['id']}").get_json()["email"] == "other@example.com"
    # Sending a contact's own email back is no conflict.
    assert client.patch(f"/api/v1/contacts/{first['id']}", json={"email": "sara@EXAMPLE.com"}).status_code == 200


def test_a_patch_may_not_leave_a_contact_unrecognisable(app, users, api_as):
    client = api_as("marketer")
    contact = client.post("/api/v1/contacts", json={"first_name": "Ali", "city": "Yazd"}).get_json()
    error = error_of(client.patch(f"/api/v1/contacts/{contact['id']}", json={"first_name": ""}), 422)
    assert "_schema" in error["details"]["fields"]
    assert client.patch(f"/api/v1/contacts/{contact['id']}", json={"first_name": "", "company": "X"}).status_code == 200


def test_a_failed_patch_changes_nothing(app, users, api_as, fields):
    client = api_as("marketer")
    contact = client.post("/api/v1/contacts", json={"first_name": "Ali", "tags": ["a"]}).get_json()
    response = client.patch(f"/api/v1/contacts/{contact['id']}", json={
        "first_name": "Reza", "tags": ["b"], "custom_fields": {"number": "x"}})
    assert response.status_code == 422
    after = client.get(f"/api/v1/contacts/{contact['id']}").get_json()
    assert after == contact


# 0 and ids past 2**63 only with GET: on other methods werkzeug's router answers 405 for them
# (the <id:> converter refuses them after the GET route's pattern matched; see core/security.py).
@pytest.mark.parametrize("method, contact_id", [
    ("get", "999999"), ("patch", "999999"), ("delete", "999999"), ("get", "0"), ("get", "99999999999999999999")])
def test_unknown_ids_are_json_404(app, users, api_as, method, contact_id):
    body = {"city": "x"} if method == "patch" else None
    response = getattr(api_as("admin"), method)(f"/api/v1/contacts/{contact_id}", json=body)
    assert error_of(response, 404)["code"] == "not_found"


def test_not_an_id_is_404(app, users, api_as):
    assert error_of(api_as("admin").get("/api/v1/contacts/abc"), 404)["code"] == "not_found"


def test_deleting_removes_its_records_and_audits_only_the_id(app, users, api_as):
    client = api_as("manager")
    contact = client.post("/api/v1/contacts", json={"email": "gone@example.com"}).get_json()
    client.post(f"/api/v1/contacts/{contact['id']}/consent", json={"channel": "email", "status": "subscribed"})
    assert client.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    assert ConsentRecord.select().count() == 0
    assert json.loads(AuditLog.get(AuditLog.action == "contact.deleted").details) == {"via": "api"}
