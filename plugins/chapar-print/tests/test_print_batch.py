"""The batch page of a print program: the merged print-ready PDF (duplex or not), address label
sheets, the mailing manifest and "Mark as mailed", with who may do what."""
import csv
import io

from chapar import EventRecord, Message
from print_support import (
    add_postal_contacts,
    pdf_reader,
    print_program,
    send_all,
)

# Person1's letter runs to two pages; everyone else's is one.
BODY = ('<p>Dear {{ contact.first_name }},</p>'
        '{% if contact.first_name == "Person1" %}<p style="break-before: page">Page two for you.</p>{% endif %}')


def _launched(print_app, users, count, **content):
    contacts = add_postal_contacts(count)
    program = print_program(users, contacts, body=BODY, **content)
    send_all(print_app, program, users)
    return program


def test_the_merged_pdf_puts_every_letter_on_a_new_sheet_when_duplex(print_app, users, client_as):
    program = _launched(print_app, users, 3, duplex=True)
    browser = client_as("marketer")
    page = browser.get(f"/print/programs/{program.id}/")
    assert page.status_code == 200 and "3 of 3 letters rendered" in page.get_data(as_text=True)
    duplex = browser.get(f"/print/programs/{program.id}/letters.pdf")
    assert duplex.status_code == 200 and duplex.mimetype == "application/pdf"
    pages = pdf_reader(duplex.data).pages
    # 1 + blank, 2, 1 + blank: each letter starts on an odd page.
    assert len(pages) == 6
    assert [bool(p.extract_text().strip()) for p in pages] == [True, False, True, True, True, False]
    assert "Dear Person0" in pages[0].extract_text() and "Dear Person2" in pages[4].extract_text()
    simplex = pdf_reader(browser.get(f"/print/programs/{program.id}/letters.pdf?duplex=0").data)
    assert len(simplex.pages) == 4


def test_label_sheets_hold_21_or_14_labels_in_message_order(print_app, users, client_as):
    program = _launched(print_app, users, 23)
    browser = client_as("marketer")
    for layout, first_page in (("3x7", 21), ("2x7", 14)):
        response = browser.get(f"/print/programs/{program.id}/labels.pdf?layout={layout}")
        assert response.status_code == 200
        pages = pdf_reader(response.data).pages
        counts = [p.extract_text().count(" Test") for p in pages]
        assert counts == [first_page, 23 - first_page], layout
        assert (round(float(pages[0].mediabox.width)), round(float(pages[0].mediabox.height))) == (595, 842)
        assert "Person0 Test" in pages[0].extract_text() and "Person22 Test" in pages[1].extract_text()
    assert browser.get(f"/print/programs/{program.id}/labels.pdf?layout=9x9").status_code == 400


def test_the_manifest_lists_each_letter_and_defuses_formulas(print_app, users, client_as):
    contacts = add_postal_contacts(2)
    contacts += add_postal_contacts(1, start=2, first_name="=HYPERLINK(\"http://evil.example\")",
                                    address_line1="+1 Main Street", city="@Springfield")
    program = print_program(users, contacts)
    send_all(print_app, program, users)
    response = client_as("marketer").get(f"/print/programs/{program.id}/manifest.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["message_id", "contact_id", "name"] and rows[0][-2:] == ["pages", "cost"]
    messages = list(Message.select().where(Message.program == program.id).order_by(Message.id))
    assert [int(r[0]) for r in rows[1:]] == [m.id for m in messages]
    assert rows[1][2] == "Person0 Test" and rows[1][3:6] == ["Person0 Test", "1 Main Street", "10000 Springfield"]
    assert rows[1][-2] == "1" and float(rows[1][-1]) == 0.6
    hostile = rows[3]
    assert hostile[2].startswith("'=HYPERLINK") and "'+1 Main Street" in hostile and hostile[3].startswith("'=")
    assert not [cell for row in rows for cell in row if cell and cell[0] in "=+-@"]


def test_a_manager_marks_the_batch_mailed_once(print_app, users, client_as):
    program = _launched(print_app, users, 3)
    letters = client_as("viewer").get(f"/programs/{program.id}/messages").get_data(as_text=True)
    assert letters.count('<span class="badge ok">Rendered</span>') == 3  # sent, in a letter's words
    marketer = client_as("marketer")
    assert "Mark as mailed" not in marketer.get(f"/print/programs/{program.id}/").get_data(as_text=True)
    assert marketer.post(f"/print/programs/{program.id}/mailed").status_code == 403
    manager = client_as("manager")
    assert "Mark as mailed" in manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)
    for _attempt in range(2):
        response = manager.post(f"/print/programs/{program.id}/mailed")
        assert response.status_code == 303
    mailed = list(EventRecord.select().where(EventRecord.program == program.id, EventRecord.name == "mailed"))
    assert sorted(e.message_id for e in mailed) == sorted(m.id for m in Message.select().where(Message.program == program.id))
    assert {m.status for m in Message.select().where(Message.program == program.id)} == {"mailed"}
    assert "3 letters marked as mailed." in manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)
    listing = manager.get("/print/programs/").get_data(as_text=True)
    assert "Spring letters" in listing


def test_the_pages_are_for_print_programs_and_logged_in_users(print_app, users, client, client_as):
    program = _launched(print_app, users, 1)
    assert client.get(f"/print/programs/{program.id}/").status_code in (302, 401)
    assert client.get(f"/print/programs/{program.id}/letters.pdf").status_code in (302, 401)
    assert client_as("viewer").get(f"/print/programs/{program.id}/").status_code == 403
    assert client_as("marketer").get(f"/print/programs/{program.id + 1}/").status_code == 404


def test_a_launched_print_programs_page_links_to_its_letters(print_app, users, client_as):
    program = _launched(print_app, users, 1)
    page = client_as("marketer").get(f"/programs/{program.id}").get_data(as_text=True)
    assert f'href="/print/programs/{program.id}/"' in page and "Letters to print" in page
    assert "Letters to print" not in client_as("viewer").get(f"/programs/{program.id}").get_data(as_text=True)
