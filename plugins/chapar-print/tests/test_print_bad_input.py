"""Hostile and broken letters: remote and local URLs are never fetched, a contact with no postal
address is skipped with the reason, and a letter too large fails alone with a clear reason."""
import http.server
import threading

import pytest
from chapar import Message
from chapar.errors import ValidationFailed
from chapar_print.letters import MAX_BODY, MAX_PAGES
from chapar_print.store import letter_path, rendered_letters
from print_support import (
    add_postal_contacts,
    print_program,
    send_all,
    text_of,
)


@pytest.fixture
def watched_server():
    """A local HTTP server that records every request it gets (none should arrive)."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


def test_remote_images_and_local_files_in_a_letter_are_never_loaded(print_app, users, watched_server, tmp_path):
    base, requests = watched_server
    secret = tmp_path / "secret.css"
    secret.write_text("body::after { content: 'LEAKED-SECRET' }")
    body = (f'<p>Dear {{{{ contact.first_name }}}}</p><img src="{base}/pixel.png?c={{{{ contact.first_name }}}}">'
            f'<link rel="stylesheet" href="file://{secret}"><img src="file:///etc/passwd">'
            f'<div style="background: url({base}/bg.png)">x</div>')
    program = print_program(users, add_postal_contacts(2), body=body)
    send_all(print_app, program, users)
    messages = list(Message.select().where(Message.program == program.id).order_by(Message.id))
    assert [m.status for m in messages] == ["sent", "sent"]
    assert requests == []
    text = text_of(letter_path(program.id, messages[0].id).read_bytes())
    assert "Dear Person0" in text and "LEAKED-SECRET" not in text


def test_a_contact_without_a_complete_address_is_skipped_with_the_reason(print_app, users):
    good = add_postal_contacts(2)
    no_city = add_postal_contacts(1, start=2, city="")
    program = print_program(users, good + no_city)
    send_all(print_app, program, users)
    skipped = Message.get(Message.program == program.id, Message.contact == no_city[0])
    assert (skipped.status, skipped.reason) == ("skipped", "no_address")
    assert [m for m, _path in rendered_letters(program.id)] == [
        m.id for m in Message.select().where(Message.program == program.id, Message.status == "sent").order_by(Message.id)]
    assert len(rendered_letters(program.id)) == 2


def test_a_body_longer_than_the_limit_is_refused_in_the_composer(print_app, users):
    with pytest.raises(ValidationFailed, match="body"):
        print_program(users, add_postal_contacts(1), body="<p>" + "x" * MAX_BODY + "</p>")


def test_a_letter_of_too_many_pages_fails_alone_with_a_clear_reason(print_app, users):
    # Person1's letter has a page per loop turn; the others are one page.
    body = ('<p>Dear {{ contact.first_name }}</p>{% if contact.first_name == "Person1" %}{% for i in range(30) %}'
            '<p style="break-before: page">Page {{ i }}</p>{% endfor %}{% endif %}')
    program = print_program(users, add_postal_contacts(3), body=body)
    send_all(print_app, program, users)
    messages = list(Message.select().where(Message.program == program.id).order_by(Message.id))
    assert [m.status for m in messages] == ["sent", "failed", "sent"]
    assert f"at most {MAX_PAGES}" in messages[1].error and "31 pages" in messages[1].error
    assert not letter_path(program.id, messages[1].id).exists()
    assert len(rendered_letters(program.id)) == 2


def test_the_composer_counter_gives_pages_and_refuses_silly_margins(print_app):
    from chapar import OutgoingMessage
    from chapar.channels import get_channel

    channel = get_channel("print")
    two_pages = OutgoingMessage(id=0, program_id=0, contact_id=None, address="A Person\n1 Road\n1000 Town",
                                content={"body": '<p>One</p><p style="break-before: page">Two</p>', "page_size": "A4"})
    estimate = channel.estimate(two_pages)
    assert estimate.units == 2 and ("Pages", 2) in [(str(label), value) for label, value in estimate.facts]
    assert channel.validate_content({"margins": "2"}) and not channel.validate_content({"margins": "15"})
    assert channel.cost_per_piece({"postage": "0.5"}) == 0.5 and channel.cost_per_piece({}) == 0
