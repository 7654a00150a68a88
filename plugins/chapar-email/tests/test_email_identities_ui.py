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


def _program(identity, status, provider=None, name="Spring email"):
    from chapar.campaigns import save_campaign
    from chapar.models import Program
    from chapar.programs import save_program

    campaign = save_campaign({"name": f"Campaign of {name}"})
    program = save_program({"name": name, "channel": "email", "provider": str(identity.id) if provider is None
                            else provider, "variants": {"": {"subject": "Hi", "html": "<p>Hi</p>"}},
                            "audience": {"contacts": []}}, campaign=campaign)
    Program.update(status=status).where(Program.id == program.id).execute()
    return program


def test_deleting_asks_first_and_only_admins_may(admin, client_as, smtp_sink):
    identity = make_identity(smtp_sink)
    assert client_as("manager").get(f"/email/identities/{identity.id}/delete").status_code == 403
    assert client_as("manager").post(f"/email/identities/{identity.id}/delete").status_code == 403
    page = admin.get(f"/email/identities/{identity.id}/delete").get_data(as_text=True)
    assert "This cannot be undone." in page and 'class="button danger"' in page
    assert SenderIdentity.get_or_none(SenderIdentity.id == identity.id) is not None  # a GET deletes nothing
    _program(identity, "sent", name="Old news")  # a finished program does not keep it
    response = admin.post(f"/email/identities/{identity.id}/delete")
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/email/identities/")
    assert SenderIdentity.get_or_none(SenderIdentity.id == identity.id) is None
    assert "Sender identity deleted." in admin.get("/email/identities/").get_data(as_text=True)


def test_deleting_is_refused_while_a_program_still_sends_with_it(admin, smtp_sink):
    identity = make_identity(smtp_sink)
    other = make_identity(smtp_sink, name="Other", from_address="other@shop.example")
    for status in ("scheduled", "sending", "paused"):
        program = _program(identity, status, name=f"Program {status}")
        response = admin.post(f"/email/identities/{identity.id}/delete")
        page = response.get_data(as_text=True)
        assert response.status_code == 409 and "cannot be deleted" in page and f"Program {status}" in page
        assert SenderIdentity.get_or_none(SenderIdentity.id == identity.id) is not None
        from chapar.models import Program
        Program.update(status="cancelled").where(Program.id == program.id).execute()
    # A program naming no sender sends with the first identity, so that one is kept too.
    _program(other, "scheduled", provider="", name="Default sender")
    page = admin.get(f"/email/identities/{identity.id}/delete").get_data(as_text=True)
    assert "Default sender" in page and "cannot be deleted" in page and 'class="button danger"' not in page
    assert admin.post(f"/email/identities/{other.id}/delete").status_code in (302, 303)


def test_creating_changing_and_deleting_are_audited_without_secrets(admin):
    import json

    from chapar.models import AuditLog

    admin.post("/email/identities/new", FORM)
    identity = SenderIdentity.get(SenderIdentity.name == "Newsletter")
    admin.post(f"/email/identities/{identity.id}", {**FORM, "password": "n3w-pass", "imap_password": "",
                                                     "from_name": "Chapar"})
    admin.post(f"/email/identities/{identity.id}/delete")
    entries = {e.action: e for e in AuditLog.select().where(AuditLog.action.startswith("email.identity_"))}
    assert set(entries) == {"email.identity_created", "email.identity_updated", "email.identity_deleted"}
    assert all(e.target == f"sender identity #{identity.id}" and e.actor.role == "admin" for e in entries.values())
    updated = json.loads(entries["email.identity_updated"].details)
    assert updated["changed"] == {"from_name": ["چاپار", "Chapar"]} and updated["secrets_changed"] == ["password"]
    logged = " ".join(e.details for e in entries.values())
    assert "s3cret-pass" not in logged and "n3w-pass" not in logged and "imap-secret" not in logged
