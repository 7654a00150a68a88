"""A program's messages in the web UI: the list and its status filter, keyset pages, the CSV export
and the messages the program received."""
import csv
import io

from fixture_plugin.testing import plugins  # noqa: F401
from test_webui_program_page import channel, html, launch_as, make_program, send_all  # noqa: F401

import fixture_channel
from chapar.inbound import record_inbound
from chapar.models import Contact, Message
from chapar.queue import get_redis


def sent_program(client_as, make_program, people=4):  # noqa: F811
    """A program sent to `people` contacts: p0 fails, the last one is skipped (unsubscribed)."""
    program = make_program(people=people)
    Contact.update(consent_email="unsubscribed").where(Contact.first_name == f"Person{people - 1}").execute()
    launch_as(client_as("manager"), program)
    fixture_channel.fail_permanently(get_redis(), "p0@example.com")
    return send_all(program)


def test_the_list_shows_every_message_with_its_recipient_status_and_figures(client_as, make_program):  # noqa: F811
    program = sent_program(client_as, make_program)
    page = html(client_as("viewer").get(f"/programs/{program.id}/messages"))
    sent = Message.get((Message.program == program) & (Message.address == "p1@example.com"))
    person1 = Contact.get(Contact.email == "p1@example.com")
    for text in (f'<a href="/contacts/{person1.id}">Person1 Test</a>', "p1@example.com", f"fx-{sent.id}",
                 f'href="/messages/{sent.id}"', "0.05 USD", "mailbox does not exist", "No consent for this channel",
                 ">All <span class=\"badge muted\">4</span>", ">Sent <span class=\"badge muted\">2</span>"):
        assert text in page, text


def test_the_list_filters_by_status_and_skip_reason(client_as, make_program):  # noqa: F811
    program = sent_program(client_as, make_program)
    viewer = client_as("viewer")
    failed = html(viewer.get(f"/programs/{program.id}/messages?status=failed"))
    assert "p0@example.com" in failed and "p1@example.com" not in failed
    skipped = html(viewer.get(f"/programs/{program.id}/messages?status=skipped&reason=no_consent"))
    assert "p3@example.com" in skipped and "p0@example.com" not in skipped and "Any reason" in skipped
    empty = html(viewer.get(f"/programs/{program.id}/messages?status=skipped&reason=duplicate"))
    assert "No messages with this status" in empty
    # An unknown status is no filter at all, not an error.
    assert "p1@example.com" in html(viewer.get(f"/programs/{program.id}/messages?status=<script>"))


def test_the_list_pages_by_id_both_ways(client_as, make_program, monkeypatch):  # noqa: F811
    from chapar.webui.views import program_messages

    monkeypatch.setattr(program_messages, "PAGE_SIZE", 2)
    program = sent_program(client_as, make_program, people=5)
    viewer = client_as("viewer")
    ids = [m.id for m in Message.select().where(Message.program == program).order_by(Message.id)]
    first = html(viewer.get(f"/programs/{program.id}/messages"))
    assert f"after={ids[1]}" in first and "before=" not in first
    second = html(viewer.get(f"/programs/{program.id}/messages?after={ids[1]}"))
    assert f"/messages/{ids[2]}" in second and f"/messages/{ids[0]}\"" not in second and f"before={ids[2]}" in second
    back = html(viewer.get(f"/programs/{program.id}/messages?before={ids[2]}"))
    assert f"/messages/{ids[0]}\"" in back and f"/messages/{ids[1]}\"" in back and f"/messages/{ids[2]}\"" not in back


def test_a_program_not_launched_has_no_messages_yet(client_as, make_program):  # noqa: F811
    program = make_program()
    assert "No messages yet" in html(client_as("viewer").get(f"/programs/{program.id}/messages"))


def test_managers_export_the_messages_as_csv_with_formulas_neutralised(client_as, make_program):  # noqa: F811
    program = make_program(people=3)
    Contact.update(first_name="=cmd|' /C calc'!A0").where(Contact.first_name == "Person2").execute()
    launch_as(client_as("manager"), program)
    send_all(program)
    assert client_as("marketer").get(f"/programs/{program.id}/messages.csv").status_code == 403
    response = client_as("manager").get(f"/programs/{program.id}/messages.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["message_id", "contact_id", "contact_name", "address", "language", "status"]
    assert len(rows) == 4 and {row[5] for row in rows[1:]} == {"sent"}
    assert "'=cmd|' /C calc'!A0 Test" in [row[2] for row in rows]
    failed_only = client_as("manager").get(f"/programs/{program.id}/messages.csv?status=failed")
    assert len(list(csv.reader(io.StringIO(failed_only.get_data(as_text=True))))) == 1  # the header alone


def test_the_received_list_shows_replies_and_an_empty_state(client_as, make_program):  # noqa: F811
    program = sent_program(client_as, make_program)
    viewer = client_as("viewer")
    assert "Nothing received yet" in html(viewer.get(f"/programs/{program.id}/inbound"))
    message = Message.get((Message.program == program) & (Message.address == "p1@example.com"))
    record_inbound("fixture", "p1@example.com", "Yes please, <b>call me</b>", message=message, action="interested")
    record_inbound("fixture", "stranger@example.com", "Who is this?", program=program.id)
    page = html(viewer.get(f"/programs/{program.id}/inbound"))
    assert "Yes please, &lt;b&gt;call me&lt;/b&gt;" in page and "interested" in page
    assert "Person1 Test" in page and f'href="/messages/{message.id}"' in page
    assert "stranger@example.com" in page and "Unknown sender" in page
    assert page.index("Who is this?") < page.index("Yes please")  # newest first


def test_the_received_list_says_what_a_keyword_did_and_how_its_reply_went(client_as, make_program):  # noqa: F811
    program = sent_program(client_as, make_program)
    record_inbound("fixture", "p1@example.com", "STOP", program=program.id, action="unsubscribed",
                   data={"reply": "sent"})
    record_inbound("fixture", "p2@example.com", "HELP", program=program.id, action="help",
                   data={"reply": "failed: gateway said 503"})
    page = html(client_as("viewer").get(f"/programs/{program.id}/inbound"))
    assert "Unsubscribed (keyword)" in page and "reply sent" in page
    assert "Help reply (keyword)" in page and "reply failed: gateway said 503" in page


def test_the_received_list_links_what_was_received_only_on_this_site(client_as, make_program):  # noqa: F811
    program = sent_program(client_as, make_program)
    record_inbound("fixture", "+15550001", "", program=program.id, data={"url": "/fax/received/7.pdf"})
    for hostile in ("//evil.example/x.pdf", "https://evil.example/x.pdf", "/\\evil.example", "javascript:alert(1)"):
        record_inbound("fixture", "+15550002", "", program=program.id, data={"url": hostile})
    page = html(client_as("viewer").get(f"/programs/{program.id}/inbound"))
    assert page.count("Open what was received") == 1 and 'href="/fax/received/7.pdf"' in page
    assert "evil.example" not in page and "javascript:" not in page
