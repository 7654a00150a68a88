"""/api/v1/channels (what each installed channel's composer and settings ask for, never a setting's
value) and /api/v1/content (the content library: checked like a program's content, copied into
programs)."""
import pytest
from programs_support import CONTENT, channel, make_campaign, plugins  # noqa: F401

from chapar.channels import save_channel_settings
from chapar.models import AuditLog, ContentItem, Program


def test_no_channel_installed_is_an_empty_list(api_as):
    listed = api_as("viewer").get("/api/v1/channels")
    assert listed.status_code == 200 and listed.get_json()["items"] == [] and listed.get_json()["total"] == 0


@pytest.mark.usefixtures("channel")
def test_channels_describe_their_fields_but_never_a_setting(api_as):
    assert save_channel_settings("fixture", {"rate_per_second": "7", "api_key": "sk-very-secret"}) == {}
    api = api_as("viewer")
    response = api.get("/api/v1/channels")
    assert response.status_code == 200
    assert "sk-very-secret" not in response.get_data(as_text=True)
    (fixture,) = response.get_json()["items"]
    assert (fixture["identifier"], fixture["label"], fixture["address"]) == ("fixture", "Fixture channel", "email")
    assert fixture["capabilities"] == ["delivery_receipts", "two_way"] and fixture["cost_unit"] == "message"
    assert (fixture["consent_channel"], fixture["idempotent"], fixture["template_links"]) == ("email", True,
                                                                                             ["unsubscribe"])
    subject, body = fixture["content_fields"]
    assert subject == {"name": "subject", "title": "Subject", "kind": "text", "type": "string", "required": True,
                       "description": "", "template": True, "secret": False, "maxLength": 200}
    assert (body["name"], body["kind"], body["template"]) == ("body", "textarea", True)
    rate, key = fixture["settings_fields"]
    assert (rate["name"], rate["type"], key["name"], key["secret"]) == ("rate_per_second", "number", "api_key", True)
    assert not {"value", "default"} & (set(rate) | set(key))
    assert api.get("/api/v1/channels/fixture").get_json() == fixture
    assert api.get("/api/v1/channels/pigeon").status_code == 404


@pytest.mark.usefixtures("channel")
def test_the_content_library(api_as, users):
    marketer = api_as("marketer")
    created = marketer.post("/api/v1/content", json={"name": "Nowruz greeting", "channel": "fixture",
                                                     "description": "Reusable", "variants": CONTENT})
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["variants"] == CONTENT and item["created_by_id"] == users["marketer"].id
    marketer.post("/api/v1/content", json={"name": "Yalda", "channel": "fixture",
                                           "variants": {"": {"subject": "Yalda", "body": "Long night"}}})
    viewer = api_as("viewer")
    assert [i["name"] for i in viewer.get("/api/v1/content").get_json()["items"]] == ["Nowruz greeting", "Yalda"]
    assert [i["name"] for i in viewer.get("/api/v1/content?q=yal").get_json()["items"]] == ["Yalda"]
    assert viewer.get("/api/v1/content?channel=sms").get_json()["total"] == 0
    assert viewer.get(created.headers["Location"]).get_json() == item
    assert viewer.post("/api/v1/content", json={"name": "X", "channel": "fixture", "variants": CONTENT}
                       ).status_code == 403

    changed = marketer.patch(created.headers["Location"], json={"name": "Nowruz 1404"})
    assert changed.status_code == 200 and changed.get_json()["variants"] == CONTENT

    campaign = make_campaign()
    program = marketer.post(f"/api/v1/campaigns/{campaign.id}/programs", json={
        "name": "From the library", "channel": "fixture", "content_item_id": item["id"]}).get_json()
    assert program["variants"] == CONTENT and program["content_item_id"] == item["id"]
    assert marketer.delete(created.headers["Location"]).status_code == 204
    assert viewer.get(created.headers["Location"]).status_code == 404
    assert Program.get_by_id(program["id"]).variants == CONTENT  # the program keeps its copy
    actions = [e.action for e in AuditLog.select().where(AuditLog.action.startswith("content."))]
    assert actions == ["content.created", "content.created", "content.updated", "content.deleted"]


@pytest.mark.usefixtures("channel")
def test_bad_content_is_refused_naming_each_mistake(api_as):
    api = api_as("marketer")
    mistakes = api.post("/api/v1/content", json={"name": "Bad", "channel": "fixture", "variants": {
        "": {"subject": "", "body": "ok\n{% for %}"}, "fa": {"subject": "x", "colour": "red"}}})
    assert mistakes.status_code == 422
    fields = mistakes.get_json()["error"]["details"]["fields"]
    assert fields["variants.default.subject"] == ["required"] and fields["variants.fa.colour"] == ["unknown field"]
    assert fields["variants.default.body"][0].startswith("line 2:")
    assert api.post("/api/v1/content", json={"name": "No fallback", "channel": "fixture", "variants": {
        "fa": {"subject": "x", "body": "y"}}}).get_json()["error"]["details"]["fields"] == {"variants.content": [
            'a default variant (language "") is required as the fallback']}
    unknown = api.post("/api/v1/content", json={"name": "X", "channel": "pigeon", "variants": CONTENT})
    assert unknown.get_json()["error"]["details"]["fields"] == {"channel": ["no installed channel 'pigeon'"]}
    shapes = api.post("/api/v1/content", json={"name": " ", "variants": ["x"], "id": 3}).get_json()["error"]
    assert set(shapes["details"]["fields"]) == {"name", "channel", "variants", "id"}
    assert ContentItem.select().count() == 0

    item = api.post("/api/v1/content", json={"name": "Good", "channel": "fixture", "variants": CONTENT}).get_json()
    broken = api.patch(f"/api/v1/content/{item['id']}", json={"variants": {"": {"subject": "{{ x", "body": "b"}}})
    assert broken.status_code == 422 and "variants.default.subject" in broken.get_json()["error"]["details"]["fields"]
    assert ContentItem.get_by_id(item["id"]).variants == CONTENT
    assert api.patch(f"/api/v1/content/{2 ** 62}", json={"name": "x"}).status_code == 404
