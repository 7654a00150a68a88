"""/api/v1 programs: compose through the API with the web UI's rules, list and filter, roles, the
content lock once launched, and launch / pause / resume / cancel with their 409s; the estimate,
live progress and a per-contact preview."""
from datetime import datetime, timedelta

import pytest
from programs_support import CONTENT, channel, make_campaign, make_contacts, plugins, ready_program  # noqa: F401

from chapar.models import Message, Program
from chapar.segments import save_segment

pytestmark = pytest.mark.usefixtures("channel")


@pytest.fixture
def campaign(app):
    return make_campaign(time_zone="Asia/Tehran", currency="IRR")


def test_compose_read_list_and_delete(api_as, campaign, users):
    people = make_contacts(4)
    segment = save_segment("All", {"all": []})
    api = api_as("marketer")
    created = api.post(f"/api/v1/campaigns/{campaign.id}/programs", json={
        "name": "Nowruz email", "channel": "fixture", "variants": CONTENT, "cost_per_unit": "0.125",
        "fixed_cost": 1000, "audience": {"include": [segment.id], "contacts": [people[0].id]},
        "schedule_kind": "window", "window_start": "09:00", "window_end": "18:00", "window_days": "56"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["status"], body["campaign_id"], body["content_locked"]) == ("ready", campaign.id, False)
    assert body["variants"]["fa"] == {"subject": "سلام {{ contact.first_name }}", "body": "حراج بهاره"}
    assert body["audience"] == {"include": [segment.id], "exclude": [], "contacts": [people[0].id]}
    assert (body["cost_per_unit"], body["fixed_cost"], body["actual_cost"]) == ("0.1250", "1000.00", "0.00")
    assert body["created_by_id"] == users["marketer"].id and body["window_days"] == "56"
    draft = api.post(f"/api/v1/campaigns/{campaign.id}/programs", json={"name": "Later", "channel": "fixture"})
    assert draft.get_json()["status"] == "draft"

    viewer = api_as("viewer")
    assert viewer.get(created.headers["Location"]).get_json()["name"] == "Nowruz email"
    listed = viewer.get(f"/api/v1/campaigns/{campaign.id}/programs").get_json()
    assert [p["name"] for p in listed["items"]] == ["Later", "Nowruz email"] and listed["total"] == 2
    assert [p["name"] for p in viewer.get("/api/v1/programs?status=draft").get_json()["items"]] == ["Later"]
    other = make_campaign("Other")
    ready_program(other, people, name="Elsewhere")
    assert viewer.get(f"/api/v1/programs?campaign={other.id}").get_json()["total"] == 1
    assert viewer.get("/api/v1/programs?channel=fixture&per_page=1").get_json()["pages"] == 3
    assert viewer.get("/api/v1/programs?channel=sms").get_json()["total"] == 0
    assert viewer.get("/api/v1/campaigns/999/programs").status_code == 404
    assert viewer.delete(created.headers["Location"]).status_code == 403
    assert api.delete(created.headers["Location"]).status_code == 403
    assert api_as("manager").delete(created.headers["Location"]).status_code == 204
    assert Program.get_or_none(Program.id == body["id"]) is None


def test_bad_input_names_every_wrong_field_and_creates_nothing(api_as, campaign):
    api = api_as("marketer")
    url = f"/api/v1/campaigns/{campaign.id}/programs"
    shapes = api.post(url, json={"name": "X", "channel": "fixture", "variants": "hello", "throttle_per_minute": "fast",
                                 "audience": {"contacts": ["x", 2 ** 63], "segments": [1]}, "colour": "red",
                                 "schedule_kind": "later"})
    assert shapes.status_code == 422
    fields = shapes.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"variants", "throttle_per_minute", "audience", "colour", "schedule_kind"}
    assert set(fields["audience"]) == {"contacts", "segments"} and fields["colour"] == ["Unknown field."]

    broken = {"": {"subject": "Hi {{ contact.first_name }", "body": "Line one\n{{ contact.nickname }}"}}
    rules = api.post(url, json={"name": "X", "channel": "fixture", "variants": broken, "audience": {"include": [404]},
                                "schedule_kind": "at", "scheduled_at": "2001-01-01T10:00", "content_item_id": 77})
    assert rules.status_code == 422
    fields = rules.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"variants.default.subject", "variants.default.body", "audience", "scheduled_at",
                           "content_item_id"}
    assert fields["variants.default.body"][0].startswith("line 2:") and "nickname" in fields["variants.default.body"][0]
    assert fields["scheduled_at"] == ["the scheduled time is in the past"]
    assert fields["audience"] == ["no segment with id 404"]
    unknown = api.post(url, json={"name": "X", "channel": "pigeon"}).get_json()["error"]["details"]["fields"]
    assert unknown == {"channel": ["no installed channel 'pigeon'"]}
    assert api.post(url, json={"channel": "fixture"}).get_json()["error"]["details"]["fields"] == {
        "name": ["Missing data for required field."]}
    assert api.post("/api/v1/campaigns/99999999999999999999/programs", json={"name": "X"}).status_code == 404
    assert Program.select().count() == 0
    assert api.get("/api/v1/programs?campaign=99999999999999999999").status_code == 422


def test_launch_queues_each_reachable_contact_once_and_reports_the_skipped(api_as, campaign):
    reachable = make_contacts(3)
    unsubscribed = make_contacts(2, consent="unsubscribed", prefix="u")
    program = ready_program(campaign, reachable + unsubscribed)
    assert api_as("marketer").post(f"/api/v1/programs/{program.id}/launch").status_code == 403
    api = api_as("manager")
    estimate = api.get(f"/api/v1/programs/{program.id}/estimate").get_json()
    assert estimate["recipients"] == 3 and estimate["skipped"] == {"no_consent": 2}
    assert estimate["currency"] == "IRR" and estimate["cost_unit"] == "message"

    launched = api.post(f"/api/v1/programs/{program.id}/launch")
    assert launched.status_code == 200, launched.get_json()
    body = launched.get_json()
    assert (body["queued"], body["skipped"], body["starts_at"]) == (3, {"no_consent": 2}, None)
    assert body["program"]["status"] == "sending" and body["program"]["audience_size"] == 3
    again = api.post(f"/api/v1/programs/{program.id}/launch")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_launched"
    assert Message.select().where(Message.program == program).count() == 5  # one launch: 3 queued, 2 skipped

    progress = api_as("viewer").get(f"/api/v1/programs/{program.id}/progress").get_json()
    assert progress["status"] == "sending" and progress["counts"]["queued"] == 3
    assert (progress["total"], progress["done"], progress["pending"]) == (5, 2, 3)


def test_an_empty_audience_is_refused_with_nothing_queued(api_as, campaign):
    program = ready_program(campaign, make_contacts(2, consent="unsubscribed") + make_contacts(1, consent="bounced",
                                                                                               prefix="b"))
    refused = api_as("manager").post(f"/api/v1/programs/{program.id}/launch")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "empty_audience" and "no one was queued" in error["message"]
    assert error["details"] == {"skipped": {"no_consent": 2, "bounced": 1}}
    assert Message.select().count() == 0 and Program.get_by_id(program.id).status == "ready"


def test_pause_resume_cancel_and_their_refusals(api_as, campaign):
    program = ready_program(campaign, make_contacts(3))
    manager, marketer = api_as("manager"), api_as("marketer")
    url = f"/api/v1/programs/{program.id}"
    not_sending = marketer.post(f"{url}/pause")
    assert not_sending.status_code == 409 and not_sending.get_json()["error"]["code"] == "not_sending"
    manager.post(f"{url}/launch")
    paused = marketer.post(f"{url}/pause")
    assert paused.status_code == 200 and paused.get_json()["status"] == "paused"
    assert marketer.post(f"{url}/resume").status_code == 403
    assert manager.post(f"{url}/resume").get_json()["status"] == "sending"
    assert manager.post(f"{url}/resume").get_json()["error"]["code"] == "not_paused"
    assert manager.post(f"{url}/cancel").get_json()["status"] == "cancelled"
    assert {m.status for m in Message.select().where(Message.program == program)} == {"cancelled"}
    again = manager.post(f"{url}/cancel")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_cancellable"
    assert manager.post("/api/v1/programs/424242/launch").status_code == 404


def test_a_launched_programs_content_is_locked(api_as, campaign):
    program = ready_program(campaign, make_contacts(2))
    manager = api_as("manager")
    manager.post(f"/api/v1/programs/{program.id}/launch")
    url = f"/api/v1/programs/{program.id}"
    locked = manager.patch(url, json={"variants": {"": {"subject": "Changed", "body": "Changed"}}, "name": "New"})
    assert locked.status_code == 409
    error = locked.get_json()["error"]
    assert error["code"] == "program_locked" and error["details"]["status"] == "sending"
    assert "throttle_per_minute" in error["details"]["editable"]
    assert api_as("marketer").patch(url, json={"name": "New"}).status_code == 403
    renamed = manager.patch(url, json={"name": "New", "throttle_per_minute": 60})
    assert renamed.status_code == 200 and renamed.get_json()["throttle_per_minute"] == 60
    stored = Program.get_by_id(program.id)
    assert stored.name == "New" and stored.variants == CONTENT
    busy = manager.delete(url)
    assert busy.status_code == 409 and busy.get_json()["error"]["code"] == "program_busy"


def test_a_scheduled_launch_says_when_it_starts(api_as, campaign):
    later = (datetime.now() + timedelta(days=2)).replace(microsecond=0)
    program = ready_program(campaign, make_contacts(1), schedule_kind="at", scheduled_at=later.isoformat())
    body = api_as("manager").post(f"/api/v1/programs/{program.id}/launch").get_json()
    assert body["program"]["status"] == "scheduled" and body["queued"] == 1
    assert body["starts_at"] == body["program"]["scheduled_at"]
    assert body["program"]["scheduled_local"] == later.isoformat()  # as entered, in Asia/Tehran
    assert api_as("manager").delete(f"/api/v1/programs/{program.id}").get_json()["error"]["code"] == "program_busy"


def test_preview_renders_for_one_contact_in_their_language(api_as, campaign):
    sara = make_contacts(1)[0]
    sara.first_name, sara.language = "سارا", "fa"
    sara.save()
    program = ready_program(campaign, [sara])
    api = api_as("marketer")
    shown = api.get(f"/api/v1/programs/{program.id}/preview?contact={sara.id}")
    assert shown.status_code == 200, shown.get_json()
    body = shown.get_json()
    assert body["content"] == {"subject": "سلام سارا", "body": "حراج بهاره"}
    assert (body["address"], body["language"], body["units"]) == ("c0@example.com", "fa", 1)
    missing = api.get(f"/api/v1/programs/{program.id}/preview?contact=999")
    assert missing.status_code == 422 and missing.get_json()["error"]["details"]["fields"] == {
        "contact": ["No contact 999."]}
    assert api.get(f"/api/v1/programs/{program.id}/preview").status_code == 422
    assert api_as("viewer").get(f"/api/v1/programs/{program.id}/preview?contact={sara.id}").status_code == 403


def test_a_preview_that_cannot_render_says_why(api_as, campaign):
    one_letter = make_contacts(1)[0]
    one_letter.first_name = "A"
    one_letter.save()
    program = ready_program(campaign, [one_letter], variants={"": {
        "subject": "Hi", "body": "Share: {{ 10 // (contact.first_name|length - 1) }}"}})
    refused = api_as("marketer").get(f"/api/v1/programs/{program.id}/preview?contact={one_letter.id}")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "template_error" and error["details"] == {"line": 1,
                                                                       "problem": "integer division or modulo by zero"}
