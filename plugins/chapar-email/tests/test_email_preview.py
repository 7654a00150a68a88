"""An email program's preview page and test send, for a chosen contact and for a contact with no
details (no contact id: the unsubscribe link must still be built)."""
from chapar.campaigns import save_campaign
from chapar.programs import save_program
from email_support import email_app, email_plugin, make_identity, smtp_sink  # noqa: F401

HTML = "<h1>Hello {{ contact.first_name|default('friend') }}</h1><p>{{ links.unsubscribe }}</p>"


def program(users, identity=None):
    campaign = save_campaign({"name": "Spring", "budget": "1"}, actor=users["manager"])
    return save_program({"name": "Mail", "channel": "email", "provider": str(identity.id) if identity else "",
                         "variants": {"": {"subject": "Hi {{ contact.first_name }}", "html": HTML}},
                         "audience": {"include": [], "exclude": [], "contacts": []}},
                        campaign=campaign, actor=users["manager"])


def test_the_preview_for_a_contact_with_no_details_renders(email_app, users, client_as):
    shown = client_as("marketer").get(f"/programs/{program(users).id}/preview")
    assert shown.status_code == 200
    frame = client_as("marketer").get(f"/programs/{program(users).id}/preview/frame?field=html")
    assert frame.status_code == 200 and "Hello friend" in frame.get_data(as_text=True)


def test_a_test_send_without_a_contact_reaches_the_server_with_an_unsubscribe_link(email_app, users, client_as,
                                                                                    smtp_sink):
    identity = make_identity(smtp_sink)
    answer = client_as("marketer").post(f"/programs/{program(users, identity).id}/test-send",
                                        data={"address": "me@shop.example"})
    assert answer.status_code == 200 and "accepted the test message" in answer.get_data(as_text=True)
    (_sender, recipients, data), = smtp_sink.handler.messages
    assert recipients == ["me@shop.example"] and b"List-Unsubscribe: <https://chapar.example/u/" in data
