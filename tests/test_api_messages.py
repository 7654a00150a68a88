"""/api/v1 messages of a program and messages received: every recipient with status, provider id,
cost and times; a message's timeline of events and its replies; filters, pages and roles."""
import fixture_channel
import pytest
from programs_support import channel, make_campaign, make_contacts, plugins, ready_program  # noqa: F401

from chapar import get_redis, record_event, record_inbound
from chapar.models import Message
from chapar.programs import launch
from chapar.sending import send_batch

pytestmark = pytest.mark.usefixtures("channel")


@pytest.fixture
def sent(app):
    """A program sent by the fixture channel: 3 sent (one of them failed for good), 1 skipped."""
    fixture_channel.reset(get_redis())
    people = make_contacts(3) + make_contacts(1, consent="unsubscribed", prefix="u")
    fixture_channel.fail_permanently(get_redis(), "c2@example.com")
    program = ready_program(make_campaign(), people, cost_per_unit="0.5")
    launch(program)
    queued = [m.id for m in Message.select().where((Message.program == program) & (Message.status == "queued"))]
    send_batch(program.id, queued)
    return program, people


def by_contact(program, contact):
    return Message.get((Message.program == program) & (Message.contact == contact))


def test_a_programs_messages_with_their_outcome(api_as, sent):
    program, people = sent
    api = api_as("viewer")
    listed = api.get(f"/api/v1/programs/{program.id}/messages")
    assert listed.status_code == 200, listed.get_json()
    items = listed.get_json()["items"]
    assert [(m["contact_name"], m["status"]) for m in items] == [("C0", "sent"), ("C1", "sent"), ("C2", "failed"),
                                                                 ("U0", "skipped")]
    first = items[0]
    assert first["provider_id"] == f"fx-{first['id']}" and first["address"] == "c0@example.com"
    assert first["sent_at"].endswith("+00:00") and first["units"] == 1 and first["cost"] == "0.5000"
    assert items[2]["error"] == "mailbox does not exist" and items[3]["reason"] == "no_consent"

    failed = api.get(f"/api/v1/programs/{program.id}/messages?status=failed&status=skipped").get_json()
    assert [m["contact_name"] for m in failed["items"]] == ["C2", "U0"]
    paged = api.get(f"/api/v1/programs/{program.id}/messages?per_page=3&page=2")
    assert [m["contact_name"] for m in paged.get_json()["items"]] == ["U0"] and 'rel="prev"' in paged.headers["Link"]
    assert api.get(f"/api/v1/programs/{program.id}/messages?status=lost").status_code == 422
    assert api.get("/api/v1/programs/999/messages").status_code == 404


def test_a_message_with_its_timeline_and_replies(api_as, sent):
    program, people = sent
    message = by_contact(program, people[0])
    record_event("delivered", message=message)
    record_event("clicked", message=message, url="https://shop.example/spring")
    reply = record_inbound("fixture", "c0@example.com", "بله، ممنون", subject="Re: Hello", message=message)
    detail = api_as("viewer").get(f"/api/v1/messages/{message.id}")
    assert detail.status_code == 200
    body = detail.get_json()
    assert (body["status"], body["contact_id"], body["program_id"]) == ("delivered", people[0].id, program.id)  # the receipt moved it on
    assert [(e["name"], e["properties"]) for e in body["events"]] == [
        ("delivered", {}), ("clicked", {"url": "https://shop.example/spring"}), ("replied", {
            "channel": "fixture", "inbound_id": reply.id})]
    assert [(r["id"], r["body"], r["subject"]) for r in body["replies"]] == [(reply.id, "بله، ممنون", "Re: Hello")]
    assert api_as("viewer").get("/api/v1/messages/123456").status_code == 404
    people[0].delete_instance()
    orphan = api_as("viewer").get(f"/api/v1/messages/{message.id}").get_json()
    assert (orphan["contact_id"], orphan["contact_name"], orphan["status"]) == (None, "", "delivered")


def test_messages_received_by_program_channel_and_contact(api_as, sent):
    program, people = sent
    answer = record_inbound("fixture", "c1@example.com", "STOP", message=by_contact(program, people[1]),
                            action="unsubscribed")
    stranger = record_inbound("sms", "+989121234567", "Who is this?")
    own = record_inbound("fixture", "c0@example.com", "Thanks", contact=people[0])
    api = api_as("viewer")
    for_program = api.get(f"/api/v1/programs/{program.id}/inbound").get_json()
    assert [(i["id"], i["action"], i["contact_id"]) for i in for_program["items"]] == [
        (answer.id, "unsubscribed", people[1].id)]
    everything = api.get("/api/v1/inbound").get_json()
    assert [i["id"] for i in everything["items"]] == [own.id, stranger.id, answer.id]  # newest first
    assert [i["id"] for i in api.get("/api/v1/inbound?channel=sms").get_json()["items"]] == [stranger.id]
    assert [i["id"] for i in api.get(f"/api/v1/inbound?contact={people[0].id}").get_json()["items"]] == [own.id]
    assert api.get(f"/api/v1/inbound?contact={2 ** 64}").status_code == 422
    assert api.get("/api/v1/inbound", headers={"Authorization": "Bearer nonsense"}).status_code == 401
