"""One message's page with its timeline, and a contact's timeline fed from messages and events."""
from datetime import timedelta

from fixture_plugin.testing import plugins  # noqa: F401
from test_webui_program_page import channel, html, launch_as, make_program, send_all  # noqa: F401

from chapar.events import record_event
from chapar.inbound import record_inbound
from chapar.models import Contact, EventRecord, Message, utcnow


def one_sent_message(client_as, make_program):  # noqa: F811
    program = make_program(people=2)
    launch_as(client_as("manager"), program)
    send_all(program)
    return Message.get((Message.program == program) & (Message.address == "p0@example.com"))


def timeline_of(page):
    return page.split('class="timeline"', 1)[1]


def test_a_message_page_shows_its_fields_and_timeline_in_order(client_as, make_program):  # noqa: F811
    message = one_sent_message(client_as, make_program)
    record_event("opened", message=message)
    later = record_event("clicked", message=message, url="https://shop.example/spring")
    EventRecord.update(created_at=utcnow() + timedelta(minutes=5)).where(EventRecord.id == later.id).execute()
    page = html(client_as("viewer").get(f"/messages/{message.id}"))
    for text in ("Message #", "Spring sale", "Person0 Test", "p0@example.com", f"fx-{message.id}", "0.05 USD"):
        assert text in page, text
    timeline = timeline_of(page)
    order = [timeline.index(f">{title}<") for title in ("Queued", "Sent", "Opened", "Clicked")]
    assert order == sorted(order)  # oldest first: the story of one message
    assert "https://shop.example/spring" in timeline
    assert client_as("viewer").get("/messages/999999").status_code == 404


def test_a_reply_appears_once_with_its_text(client_as, make_program):  # noqa: F811
    message = one_sent_message(client_as, make_program)
    record_inbound("fixture", "p0@example.com", "Please call me tomorrow", message=message)
    timeline = timeline_of(html(client_as("viewer").get(f"/messages/{message.id}")))
    assert "Reply from p0@example.com" in timeline and "Please call me tomorrow" in timeline
    assert ">Replied<" not in timeline  # the replied event is the reply itself, not a second entry


def test_a_skipped_message_says_why(client_as, make_program):  # noqa: F811
    program = make_program(people=2)
    Contact.update(consent_email="unsubscribed").where(Contact.first_name == "Person1").execute()
    launch_as(client_as("manager"), program)
    message = Message.get((Message.program == program) & (Message.status == "skipped"))
    timeline = timeline_of(html(client_as("viewer").get(f"/messages/{message.id}")))
    assert ">Skipped<" in timeline and "No consent for this channel" in timeline


def test_the_contact_page_lists_the_message_and_its_events_newest_first(client_as, make_program):  # noqa: F811
    message = one_sent_message(client_as, make_program)
    record_event("opened", message=message)
    record_inbound("fixture", "p0@example.com", "Thanks!", message=message)
    page = html(client_as("viewer").get(f"/contacts/{message.contact_id}"))
    timeline = timeline_of(page)
    sent = timeline.index(f'<a href="/messages/{message.id}">Sent «Spring sale» by Fixture channel</a>')
    opened = timeline.index("Opened «Spring sale»")
    reply = timeline.index("Reply from p0@example.com to «Spring sale»")
    assert reply < opened < sent < timeline.index("Added to Chapar")
    assert "Thanks!" in timeline and timeline.count("Replied") == 0
    # The other contact's message is not on this contact's page.
    other = Message.get((Message.program == message.program) & (Message.id != message.id))
    assert f"/messages/{other.id}\"" not in timeline


def test_the_contact_timeline_is_capped(app, client_as, make_program):  # noqa: F811
    from chapar.webui import message_timeline

    message = one_sent_message(client_as, make_program)
    for _ in range(5):
        record_event("opened", message=message)
    with app.test_request_context():
        entries = message_timeline.contact_entries(Contact.get_by_id(message.contact_id), limit=3)
    assert len(entries) == 3 and all(entry.sort_key >= message.queued_at for entry in entries)
