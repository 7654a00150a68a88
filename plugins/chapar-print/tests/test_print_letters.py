"""A print program end to end: launch, the worker renders one PDF letter per recipient into the
program's folder, each with the address in the envelope window, the letter's text and its cost."""

import pytest
from chapar import Message
from chapar_print.store import letter_path, rendered_letters
from print_support import (
    add_postal_contacts,
    pdf_reader,
    print_program,
    send_all,
    text_of,
    text_positions,
)


def test_five_contacts_get_five_letters_with_the_address_in_the_din_window(print_app, users):
    contacts = add_postal_contacts(5)
    program = print_program(users, contacts, qr_url="https://shop.example/r/{{ links.ref }}")
    send_all(print_app, program, users)
    messages = list(Message.select().where(Message.program == program.id).order_by(Message.id))
    assert [m.status for m in messages] == ["sent"] * 5
    assert [m for m, _path in rendered_letters(program.id)] == [m.id for m in messages]
    for index, message in enumerate(messages):
        reader = pdf_reader(letter_path(program.id, message.id))
        assert len(reader.pages) == 1 and message.units == 1
        assert message.provider_id == f"print-{message.id}"
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
        text = reader.pages[0].extract_text()
        assert f"Dear Person{index}, spring sale!" in text
        assert f"https://shop.example/r/chapar-{message.id}" in text  # the QR code's link, printed under it
        assert "Chapar Shop" in text and "1 / 1" in text
        placed = {line: (x, y) for line, x, y in text_positions(reader.pages[0])}
        x, y = placed[f"Person{index} Test"]
        # DIN 5008 form B: the address field is 20-105 mm from the left, 45-90 mm from the top.
        assert 20 <= x <= 105 and 45 <= y <= 90, (x, y)
        x, y = placed[f"{10000 + index} Springfield"]
        assert 20 <= x <= 105 and 45 <= y <= 90, (x, y)
        # Cost: one page at 0.1 plus 0.5 postage.
        assert float(message.cost) == pytest.approx(0.6)


@pytest.mark.parametrize("page_size, window, points, area", [
    ("A5", "din-b", (420, 595), None),
    ("Letter", "us10", (612, 792), (22, 124, 50, 80)),  # US #10: ⅞ in from the left, 2 in from the top
    ("postcard-A6", "none", (420, 298), (74, 148, 35, 105)),  # a postcard: the address on the right half
    ("A4", "c56", (595, 842), (20, 110, 52, 87)),
])
def test_page_sizes_and_windows(print_app, users, page_size, window, points, area):
    contacts = add_postal_contacts(1)
    program = print_program(users, contacts, page_size=page_size, address_window=window)
    send_all(print_app, program, users)
    message = Message.get(Message.program == program.id)
    assert message.status == "sent", message.error
    page = pdf_reader(letter_path(program.id, message.id)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == points
    if area:
        placed = {line: (x, y) for line, x, y in text_positions(page)}
        x, y = placed["Person0 Test"]
        left, right, top, bottom = area
        assert left <= x <= right and top <= y <= bottom, (x, y)


def test_a_persian_letter_reads_right_to_left_with_persian_digits(print_app, users):
    contacts = add_postal_contacts(1, first_name="علی", last_name="رضایی", address_line1="خیابان آزادی، پلاک 10",
                                   city="تهران", postal_code="1234567890", country="IR", language="fa")
    body = ("<p>{{ contact.first_name }} عزیز، سلام. لطفاً فاکتور شماره 1234 را ببینید.</p>"
            "<p>نشانی: https://shop.example/r/42</p><p><b>با احترام</b></p>")
    program = print_program(users, contacts, body=body, persian_digits=True)
    send_all(print_app, program, users)
    message = Message.get(Message.program == program.id)
    assert message.status == "sent", message.error
    text = text_of(letter_path(program.id, message.id).read_bytes())
    for words in ("علی عزیز", "لطفاً", "با احترام", "خیابان آزادی", "تهران"):
        assert words in text, words
    # pypdf reverses a run of digits inside a right-to-left line (the PDF, seen as an image, has
    # them in order): either order proves they are Persian digits.
    for digits in ("۱۲۳۴", "۱۲۳۴۵۶۷۸۹۰"):
        assert digits in text or digits[::-1] in text, digits
    assert "https://shop.example/r/42" in text  # a web address keeps the digits people type
    assert "1234" not in text.replace("https://shop.example/r/42", "")
