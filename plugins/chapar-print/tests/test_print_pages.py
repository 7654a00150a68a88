"""The core's generic pages with the print channel: its settings page, the letter composer, the
preview with its page counter, and "Send a test", whose letter the batch page shows apart."""
from chapar import Message
from chapar_print.store import rendered_letters
from print_support import (
    add_postal_contacts,
    pdf_reader,
    print_program,
    send_all,
)


def test_the_settings_page_saves_the_sender_and_postage(print_app, users, client_as):
    from chapar.channels import channel_settings

    admin = client_as("admin")
    page = admin.get("/admin/channels/print")
    assert page.status_code == 200
    for label in ("Sender name", "Return address", "Letterhead", "Postage per letter"):
        assert label in page.get_data(as_text=True)
    response = admin.post("/admin/channels/print", data={"sender_name": "Other Shop", "return_address": "1 Road",
                                                          "letterhead": "", "postage": "1.25"})
    assert response.status_code in (200, 302, 303)
    assert channel_settings("print")["sender_name"] == "Other Shop" and channel_settings("print")["postage"] == 1.25


def test_composer_preview_counts_pages_and_a_test_letter_stays_out_of_the_batch(print_app, users, client_as):
    contacts = add_postal_contacts(2)
    body = '<p>Dear {{ contact.first_name }}</p><p style="break-before: page">Overleaf</p>'
    program = print_program(users, contacts, body=body)
    marketer = client_as("marketer")
    form = marketer.get(f"/programs/{program.id}/edit").get_data(as_text=True)
    for label in ("Envelope window", "DIN 5008 form B", "US #10 window", "Postcard A6", "QR code link"):
        assert label in form, label
    preview = marketer.get(f"/programs/{program.id}/preview?contact={contacts[1]}")
    assert preview.status_code == 200 and "Counts as 2 × page." in preview.get_data(as_text=True)
    sent = marketer.post(f"/programs/{program.id}/test-send?contact={contacts[1]}",
                         data={"address": "Test Desk\n1 Road\n1000 Town", "contact": str(contacts[1])})
    assert sent.status_code == 200
    batch_page = marketer.get(f"/print/programs/{program.id}/").get_data(as_text=True)
    assert "The latest test letter (PDF)" in batch_page
    letter = marketer.get(f"/print/programs/{program.id}/test-letter.pdf")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    reader = pdf_reader(letter.data)
    assert len(reader.pages) == 2 and "Dear Person1" in reader.pages[0].extract_text()
    assert "Test Desk" in reader.pages[0].extract_text()
    assert rendered_letters(program.id) == []  # the test is not a letter of the batch
    send_all(print_app, program, users)
    merged = pdf_reader(marketer.get(f"/print/programs/{program.id}/letters.pdf").data)
    assert len(merged.pages) == 4 and "Test Desk" not in "".join(p.extract_text() for p in merged.pages)
    assert sorted(m.units for m in Message.select().where(Message.program == program.id)) == [2, 2]
