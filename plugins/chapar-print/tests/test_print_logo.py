"""The letterhead logo: an admin uploads a PNG or JPEG; it appears on the sample letter and on every
letter sent; each kind of bad file is refused with its reason and the logo before it stays."""
import io
import os
import re
import shutil

import pytest
from chapar_print.logo import current_logo, logo_folder
from PIL import Image
from print_support import (
    add_postal_contacts,
    pdf_reader,
    print_program,
    send_all,
    text_positions,
)


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    """Nothing here depends on the database engine: SQLite only."""
    path = tmp_path / "chapar.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def image_bytes(kind="PNG", size=(240, 80), color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


def noise(kind="PNG", size=(240, 80)):
    """An image of random pixels: its data does not compress, so cutting the file cuts the picture."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, kind)
    return out.getvalue()


def upload(browser, data, name="logo.png"):
    return browser.post("/print/letterhead/", data={"logo": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


def images_on(pdf):
    return [image for page in pdf_reader(pdf).pages for image in page.images]


def test_an_admin_uploads_a_logo_and_every_letter_carries_it(print_app, users, client_as):
    admin = client_as("admin")
    assert "No logo" in admin.get("/print/letterhead/").get_data(as_text=True)
    assert not images_on(admin.get("/print/letterhead/sample.pdf").data)
    logo = image_bytes()
    assert upload(admin, logo).status_code == 303
    name = current_logo()
    assert re.fullmatch(r"[0-9a-f]{32}\.png", name)  # a random name, not the uploaded one
    assert (logo_folder() / name).read_bytes() == logo
    assert admin.get("/print/letterhead/logo").data == logo
    sample = images_on(admin.get("/print/letterhead/sample.pdf").data)
    assert [image.image.size for image in sample] == [(240, 80)]
    # A JPEG replaces it, and the PNG's file is gone.
    assert upload(admin, image_bytes("JPEG", (300, 100)), "logo.jpg").status_code == 303
    assert current_logo().endswith(".jpg") and not (logo_folder() / name).exists()
    contacts = add_postal_contacts(2)
    program = print_program(users, contacts)
    send_all(print_app, program, users)
    letters = pdf_reader(admin.get(f"/print/programs/{program.id}/letters.pdf").data)
    assert [[image.image.size for image in page.images] for page in letters.pages] == [[(300, 100)]] * 2
    assert "Dear Person1" in letters.pages[1].extract_text()
    # Logo and letterhead lines stay above the DIN 5008 address field (45 mm down), the address in it.
    placed = {line: (x, y) for line, x, y in text_positions(letters.pages[0])}
    assert placed["Since 1405"][1] < 45 and 45 <= placed["Person0 Test"][1] <= 90, placed
    # Removed: letters go back to text only.
    assert admin.post("/print/letterhead/remove").status_code == 303
    assert current_logo() is None and not images_on(admin.get("/print/letterhead/sample.pdf").data)


@pytest.mark.parametrize("data, name, reason", [
    (b"", "empty.png", "Please choose an image file."),
    (image_bytes() + b"\0" * (2 * 1024 * 1024), "huge.png", "larger than 2 MB"),
    (image_bytes(size=(4001, 2)), "wide.png", "4001 × 2 pixels; at most 4000 × 4000"),
    (noise()[:20_000], "cut.png", "not a readable PNG or JPEG"),
    (noise("JPEG")[:5_000], "cut.jpg", "not a readable PNG or JPEG"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><image href="file:///etc/passwd"/></svg>',
     "logo.svg", "SVG logos are not accepted"),
    (image_bytes("GIF"), "logo.gif", "This is a GIF image; please upload a PNG or JPEG."),
    (b"MZ\x90\x00 not an image at all", "logo.png", "not a readable PNG or JPEG"),
])
def test_a_bad_file_is_refused_and_the_logo_before_it_stays(print_app, users, client_as, data, name, reason):
    admin = client_as("admin")
    good = image_bytes()
    assert upload(admin, good).status_code == 303
    before = current_logo()
    refused = upload(admin, data, name)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert reason in page.replace("&#39;", "'") and 'role="alert"' in page
    assert current_logo() == before and (logo_folder() / before).read_bytes() == good
    assert sorted(p.name for p in logo_folder().iterdir()) == sorted([before, "current"])  # nothing left over


def test_only_admins_manage_the_logo(print_app, users, client, client_as):
    marketer = client_as("marketer")
    assert marketer.get("/print/letterhead/").status_code == 403
    assert upload(marketer, image_bytes()).status_code == 403
    assert marketer.post("/print/letterhead/remove").status_code == 403
    assert client.get("/print/letterhead/").status_code in (302, 401)
    assert current_logo() is None
    assert "Letterhead logo" in client_as("admin").get("/print/letterhead/").get_data(as_text=True)
