"""/api/v1/contacts/<id>/consent: changes recorded with their evidence; the history is kept."""
import pytest

from chapar.models import ConsentRecord, Contact

WORDING = "بله، می‌خواهم خبرنامه را با ایمیل دریافت کنم. <b>Yes</b>, email me the newsletter."


@pytest.fixture
def contact(app):
    return Contact.create(first_name="Sara", email="sara@example.com")


def consent_url(contact):
    return f"/api/v1/contacts/{contact.id}/consent"


def test_a_change_is_recorded_with_its_evidence(app, users, api_as, contact):
    client = api_as("marketer")
    response = client.post(consent_url(contact), headers={"User-Agent": "crm-sync/2.0"}, json={
        "channel": "email", "status": "subscribed", "wording": WORDING, "detail": "ticket #42"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["changed"] is True and body["do_not_contact"] is False
    assert body["consent"] == {"email": "subscribed", "sms": "unknown", "fax": "unknown", "print": "unknown"}
    record = body["record"]
    assert (record["channel"], record["status"], record["previous_status"]) == ("email", "subscribed", "unknown")
    assert (record["method"], record["wording"], record["detail"]) == ("api", WORDING, "ticket #42")
    assert record["actor_id"] == users["marketer"].id and record["user_agent"] == "crm-sync/2.0"
    assert record["ip"] == "127.0.0.1" and record["created_at"].endswith("+00:00")

    stored = ConsentRecord.get_by_id(record["id"])
    assert (stored.method, stored.wording, stored.actor_id) == ("api", WORDING, users["marketer"].id)
    assert Contact.get_by_id(contact.id).consent_email == "subscribed"


def test_the_history_keeps_every_change_newest_first(app, users, api_as, contact):
    client = api_as("marketer")
    for status in ("subscribed", "unsubscribed", "subscribed"):
        assert client.post(consent_url(contact), json={"channel": "email", "status": status}).status_code == 201
    client.post(consent_url(contact), json={"channel": "sms", "status": "complained"})
    history = api_as("viewer").get(consent_url(contact))
    assert history.status_code == 200
    items = history.get_json()["items"]
    assert [(item["channel"], item["status"], item["previous_status"]) for item in items] == [
        ("sms", "complained", "unknown"), ("email", "subscribed", "unsubscribed"),
        ("email", "unsubscribed", "subscribed"), ("email", "subscribed", "unknown")]
    assert api_as("viewer").get(consent_url(contact) + "?per_page=1").get_json()["pages"] == 4


def test_asking_for_the_current_status_changes_nothing(app, users, api_as, contact):
    client = api_as("marketer")
    client.post(consent_url(contact), json={"channel": "email", "status": "subscribed"})
    again = client.post(consent_url(contact), json={"channel": "email", "status": "subscribed"})
    assert again.status_code == 200
    assert again.get_json()["changed"] is False and again.get_json()["record"] is None
    assert ConsentRecord.select().count() == 1


def test_do_not_contact_through_channel_all(app, users, api_as, contact):
    client = api_as("marketer")
    blocked = client.post(consent_url(contact), json={"channel": "all", "status": "do_not_contact",
                                                      "wording": "Never call me again."})
    assert blocked.status_code == 201
    body = blocked.get_json()
    assert body["do_not_contact"] is True
    assert (body["record"]["channel"], body["record"]["status"], body["record"]["previous_status"]) == (
        "all", "do_not_contact", "contact_allowed")
    assert body["record"]["wording"] == "Never call me again."
    assert client.get(f"/api/v1/contacts/{contact.id}").get_json()["do_not_contact"] is True
    allowed = client.post(consent_url(contact), json={"channel": "all", "status": "contact_allowed"})
    assert allowed.status_code == 201 and allowed.get_json()["do_not_contact"] is False
    assert ConsentRecord.select().count() == 2


@pytest.mark.parametrize("body, field", [
    ({"status": "subscribed"}, "channel"),
    ({"channel": "pigeon", "status": "subscribed"}, "channel"),
    ({"channel": "email", "status": "maybe"}, "status"),
    ({"channel": "email", "status": "do_not_contact"}, "status"),  # the flag goes on channel "all"
    ({"channel": "all", "status": "subscribed"}, "status"),
    ({"channel": "email", "status": "subscribed", "method": "form"}, "method"),  # the API is always "api"
    ({"channel": "email", "status": "subscribed", "detail": "x" * 256}, "detail"),
    ({"channel": "email", "status": "subscribed", "wording": 5}, "wording"),
])
def test_bad_changes_are_422(app, users, api_as, contact, body, field):
    response = api_as("marketer").post(consent_url(contact), json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]
    assert ConsentRecord.select().count() == 0


def test_unknown_contacts_are_404(app, users, api_as):
    client = api_as("marketer")
    assert client.get("/api/v1/contacts/777/consent").status_code == 404
    response = client.post("/api/v1/contacts/777/consent", json={"channel": "email", "status": "subscribed"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
