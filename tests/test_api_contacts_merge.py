"""POST /api/v1/contacts/<id>/merge: two records of one person become one, both histories kept."""
from programs_support import channel, make_campaign, plugins, ready_program  # noqa: F401

from chapar.contacts import add_tags, change_consent, define_field
from chapar.models import AuditLog, ConsentRecord, Contact


def test_merge_keeps_both_histories(app, users, api_as):
    define_field("score", "Score", "number")
    keep = Contact.create(first_name="Sara", email="sara@example.com")
    drop = Contact.create(last_name="Rezaei", mobile="+989121234567", company="Acme")
    change_consent(keep, "email", "subscribed", "form", wording="Newsletter box")
    change_consent(drop, "email", "unsubscribed", "unsubscribe_link")
    change_consent(drop, "sms", "subscribed", "keyword", detail="JOIN")
    add_tags([keep.id], ["vip"])
    add_tags([drop.id], ["lead"])
    client = api_as("marketer")
    client.patch(f"/api/v1/contacts/{drop.id}", json={"custom_fields": {"score": 7}})

    merged = api_as("manager").post(f"/api/v1/contacts/{keep.id}/merge", json={"other_id": drop.id})
    assert merged.status_code == 200, merged.get_json()
    body = merged.get_json()
    assert (body["first_name"], body["last_name"], body["email"], body["mobile"], body["company"]) == (
        "Sara", "Rezaei", "sara@example.com", "+989121234567", "Acme")
    assert body["tags"] == ["lead", "vip"] and body["custom_fields"] == {"score": 7}
    # The more restrictive status wins: she unsubscribed on the other record.
    assert body["consent"]["email"] == "unsubscribed" and body["consent"]["sms"] == "subscribed"
    assert client.get(f"/api/v1/contacts/{drop.id}").status_code == 404

    history = client.get(f"/api/v1/contacts/{keep.id}/consent").get_json()["items"]
    methods = sorted(item["method"] for item in history)
    assert methods == ["form", "keyword", "merge", "merge", "unsubscribe_link"]  # merge: email and sms moved
    assert {item["contact_id"] for item in history} == {keep.id}
    assert "Newsletter box" in [item["wording"] for item in history]
    merge_record = next(item for item in history if item["method"] == "merge")
    assert merge_record["actor_id"] == users["manager"].id
    entry = AuditLog.get(AuditLog.action == "contact.merged")
    assert entry.actor_id == users["manager"].id and str(drop.id) in entry.details


def test_merge_refuses_itself_and_unknown_contacts(app, users, api_as):
    contact = Contact.create(first_name="Ali")
    client = api_as("manager")
    url = f"/api/v1/contacts/{contact.id}/merge"
    for body in ({"other_id": contact.id}, {"other_id": 99999}, {"other_id": "2"}, {}, {"other_id": 0},
                 {"other_id": 2**40}, {"other_id": 2**64}):
        response = client.post(url, json=body)
        assert response.status_code == 422, body
        assert "other_id" in response.get_json()["error"]["details"]["fields"]
    assert client.post("/api/v1/contacts/99999/merge", json={"other_id": contact.id}).status_code == 404
    assert Contact.select().count() == 1 and ConsentRecord.select().count() == 0


def test_merge_moves_what_was_sent_received_and_done_to_the_kept_record(app, users, api_as, channel):
    from chapar.models import EventRecord, InboundMessage, Message

    keep = Contact.create(first_name="Sara", email="sara@example.com")
    drop = Contact.create(first_name="Sara R.", mobile="+989121234567")
    campaign = make_campaign()
    only_drop = ready_program(campaign, [drop], name="Only the other record")
    both = ready_program(campaign, [keep, drop], name="Both records")
    sent = Message.create(program=only_drop, contact=drop, address="+989121234567", status="sent", cost=3)
    Message.create(program=both, contact=keep, address="sara@example.com", status="sent")
    twin = Message.create(program=both, contact=drop, address="+989121234567", status="sent")
    reply = InboundMessage.create(channel="sms", sender="+989121234567", contact=drop, body="YES")
    click = EventRecord.create(name="clicked", contact=drop, message=sent, program=only_drop)

    merged = api_as("manager").post(f"/api/v1/contacts/{keep.id}/merge", json={"other_id": drop.id})
    assert merged.status_code == 200, merged.get_json()

    client = api_as("viewer")
    listed = client.get(f"/api/v1/programs/{only_drop.id}/messages").get_json()["items"]
    assert [(m["id"], m["contact_id"], m["contact_name"]) for m in listed] == [(sent.id, keep.id, "Sara")]
    inbound = client.get(f"/api/v1/inbound?contact={keep.id}").get_json()["items"]
    assert [m["id"] for m in inbound] == [reply.id]
    assert EventRecord.get_by_id(click.id).contact_id == keep.id  # not deleted with the other record
    # A program reaches a person once: the other record's message there stays, with no contact.
    assert Message.get_by_id(twin.id).contact_id is None
    assert Message.select().where(Message.program == both).count() == 2
