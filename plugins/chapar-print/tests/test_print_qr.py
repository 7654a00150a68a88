"""Tracked QR codes: with a public address set, a letter's QR code leads through Chapar; a scan
records "clicked" for that letter and redirects where the letter's link said. Forged, altered or
unknown codes get a 404 page and record nothing."""
from chapar import EventRecord, Message
from chapar_print.store import letter_path
from print_support import (
    SETTINGS,
    add_postal_contacts,
    pdf_reader,
    print_program,
    send_all,
)

TARGET = "https://shop.example/r/{{ links.ref }}"


def code_links(path):
    """The links the letter's PDF carries (the QR code is one)."""
    links = []
    for page in pdf_reader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and action.get("/URI"):
                links.append(str(action["/URI"]))
    return list(dict.fromkeys(links))  # an image link may come as several areas


def sent_letters(print_app, users, count, public_url="https://chapar.example", qr_url=TARGET):
    from chapar.channels import save_channel_settings

    assert save_channel_settings("print", {**SETTINGS, "public_url": public_url}) == {}
    program = print_program(users, add_postal_contacts(count), qr_url=qr_url)
    send_all(print_app, program, users)
    return program, list(Message.select().where(Message.program == program.id).order_by(Message.id))


def clicks():
    return list(EventRecord.select().where(EventRecord.name == "clicked").order_by(EventRecord.id))


def test_a_scan_counts_as_a_click_on_that_letter_and_leads_to_its_link(print_app, users, client):
    program, messages = sent_letters(print_app, users, 2)
    first, second = (code_links(letter_path(program.id, m.id)) for m in messages)
    assert len(first) == len(second) == 1 and first != second
    assert first[0].startswith("https://chapar.example/print/q/")
    # The link itself stays printed under the code, for people who type it.
    assert f"https://shop.example/r/chapar-{messages[0].id}" in pdf_reader(letter_path(program.id, messages[0].id)).pages[0].extract_text()
    for _scan in range(2):
        response = client.get(first[0].removeprefix("https://chapar.example"))
        assert response.status_code == 302
        assert response.headers["Location"] == f"https://shop.example/r/chapar-{messages[0].id}"
        assert "no-store" in response.headers["Cache-Control"]
    response = client.get(second[0].removeprefix("https://chapar.example"))
    assert response.headers["Location"] == f"https://shop.example/r/chapar-{messages[1].id}"
    recorded = clicks()
    assert [e.message_id for e in recorded] == [messages[0].id, messages[0].id, messages[1].id]
    assert all(e.program_id == program.id and e.contact_id is not None for e in recorded)
    assert '"via": "qr"' in recorded[0].properties_json


def test_forged_or_damaged_codes_lead_nowhere_and_count_nothing(print_app, users, client):
    program, messages = sent_letters(print_app, users, 2)
    path = code_links(letter_path(program.id, messages[0].id))[0].removeprefix("https://chapar.example")
    token = path.rsplit("/", 1)[1]
    message_id, mac = token.split(".")
    other = messages[1].id
    for bad in (f"{other}.{mac}",  # another letter with this letter's signature
                f"{message_id}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",  # one character changed
                f"{message_id}.{mac}x", f"{message_id}", "0.AAAAAAAAAAAAAAAA", "..%2F..%2Fetc%2Fpasswd",
                f"{message_id}.{mac}?next=https://evil.example"):
        response = client.get(f"/print/q/{bad}")
        if "?" in bad:  # a query string changes nothing: the target is the letter's own
            assert response.status_code == 302 and response.headers["Location"].startswith("https://shop.example/")
            continue
        assert response.status_code == 404 and "Location" not in response.headers, bad
        if "%2F" not in bad:  # (a path with slashes does not reach the scan page at all)
            assert "This link is not valid" in response.get_data(as_text=True)
    assert len(clicks()) == 1


def test_without_a_public_address_the_code_holds_the_link_itself(print_app, users):
    program, messages = sent_letters(print_app, users, 1, public_url="")
    assert code_links(letter_path(program.id, messages[0].id)) == [f"https://shop.example/r/chapar-{messages[0].id}"]


def test_a_letter_whose_link_is_not_a_web_address_is_not_redirected(print_app, users, client):
    program, messages = sent_letters(print_app, users, 1, qr_url="mailto:shop@example.test?subject={{ links.ref }}")
    links = code_links(letter_path(program.id, messages[0].id))
    assert not [link for link in links if "/print/q/" in link]  # never an open redirect to another scheme
