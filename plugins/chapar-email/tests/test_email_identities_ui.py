"""Sender identities in the admin UI: create, edit without the password ever shown back, test
the connection (the server's own reply appears), and send a test email to a real SMTP server."""
import email
import email.policy

import pytest
from chapar_email.identities import SenderIdentity
from email_support import email_app, email_plugin, make_identity, smtp_sink  # noqa: F401

FORM = {"name": "Newsletter", "host": "127.0.0.1", "port": "2525", "security": "none", "username": "",
        "password": "s3cret-pass", "from_name": "چاپار", "from_address": "news@پست.ایران",
        "reply_to": "", "rate_per_second": "20", "max_connections": "3", "imap_host": "imap.shop.example",
        "imap_port": "993", "imap_username": "bounces", "imap_password": "imap-secret", "imap_folder": "INBOX",
        "processed_folder": "Chapar/Done"}


@pytest.fixture
def admin(email_app, client_as):
    return client_as("admin")


def test_only_admins_see_the_pages(email_app, client_as):
    assert client_as("manager").get("/email/identities/").status_code == 403
    assert client_as("admin").get("/email/identities/").status_code == 200


def test_an_admin_creates_an_identity_and_the_password_is_never_shown_back(admin):
    response = admin.post("/email/identities/new", FORM)
    assert response.status_code in (302, 303)
    identity = SenderIdentity.get(SenderIdentity.name == "Newsletter")
    assert identity.password == "s3cret-pass" and identity.rate_per_second == 20 and identity.max_connections == 3
    assert (identity.imap_host, identity.imap_password, identity.processed_folder) == (
        "imap.shop.example", "imap-secret", "Chapar/Done")
    page = admin.get(f"/email/identities/{identity.id}").get_data(as_text=True)
    assert "s3cret-pass" not in page and "imap-secret" not in page and "news@پست.ایران" in page
    listing = admin.get("/email/identities/").get_data(as_text=True)
    assert "Newsletter" in listing and "s3cret-pass" not in listing
    # Saving again with the password left empty keeps it.
    admin.post(f"/email/identities/{identity.id}", {**FORM, "password": "", "imap_password": "", "from_name": "Chapar"})
    identity = SenderIdentity.get_by_id(identity.id)
    assert identity.password == "s3cret-pass" and identity.imap_password == "imap-secret"
    assert identity.from_name == "Chapar"


def test_bad_input_is_explained_and_nothing_is_saved(admin):
    response = admin.post("/email/identities/new", {**FORM, "from_address": "no-at", "port": "99999",
                                                     "security": "ssl3"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not a usable email address" in page and "Out of range" in page and "Pick one of the choices" in page
    assert 'value="Newsletter"' in page  # what was good is kept
    assert SenderIdentity.select().count() == 0


def test_test_connection_shows_the_servers_reply(admin, smtp_sink):
    identity = make_identity(smtp_sink)
    response = admin.post(f"/email/identities/{identity.id}/test", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert "It works." in page and "EHLO: 250" in page and "<html" not in page  # a fragment for htmx
    full = admin.post(f"/email/identities/{identity.id}/test").get_data(as_text=True)
    assert "EHLO: 250" in full and "<html" in full  # a whole page without JavaScript


def test_test_connection_says_why_it_fails(admin, free_port):
    identity = SenderIdentity.create(name="Down", host="127.0.0.1", port=free_port(), security="none",
                                     from_address="a@shop.example")
    page = admin.post(f"/email/identities/{identity.id}/test", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "It failed." in page and f"cannot connect to 127.0.0.1:{identity.port}" in page


def test_send_test_delivers_one_email(admin, smtp_sink):
    identity = make_identity(smtp_sink)
    page = admin.post(f"/email/identities/{identity.id}/send-test", {"address": "me@example.test"},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "accepted for me@example.test" in page
    [(sender, rcpts, data)] = smtp_sink.handler.messages
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert sender == "news@shop.example" and rcpts == ["me@example.test"]
    assert msg["Subject"] == "Chapar test email"


def test_the_menu_links_admins_to_the_page(admin):
    assert 'href="/email/identities/"' in admin.get("/").get_data(as_text=True)
