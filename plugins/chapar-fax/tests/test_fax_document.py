"""The fax page: a header on every page (To / From / Date / Page n of N), the subject and the
merge-tag-rendered body, A4 or Letter, Persian right to left with its letters whole, nothing
fetched from outside, and a clear error for what is too long. Independent of the database
engine: run on SQLite only."""
import datetime

import pytest
from fax_support import pdf_text

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
WHEN = datetime.datetime(2026, 3, 20, 9, 30, tzinfo=datetime.UTC)


def render(tmp_path, content, **options):
    from chapar_fax.document import render_fax

    target = tmp_path / "fax.pdf"
    pages = render_fax(content, "+982188776655", options.pop("sender", "+982188000000"), target, now=WHEN, **options)
    return pages, target


def test_every_page_carries_the_header(fax_app, tmp_path):
    body = "<p>one</p><p style='page-break-before: always'>two</p><p style='page-break-before: always'>three</p>"
    pages, pdf = render(tmp_path, {"subject": "Price list", "body": body})
    assert pages == 3
    text = pdf_text(pdf)
    for number, page in enumerate(text, start=1):
        assert "To: +982188776655" in page and "From: +982188000000" in page
        assert "Date: 2026-03-20 09:30 UTC" in page and f"Page {number} of 3" in page
    assert "Price list" in text[0] and "Price list" not in text[1]


def test_page_size_a4_or_letter(fax_app, tmp_path):
    from pypdf import PdfReader

    _pages, a4 = render(tmp_path, {"body": "<p>x</p>"})
    assert round(float(PdfReader(str(a4)).pages[0].mediabox.height) / 72 * 25.4) == 297
    _pages, letter = render(tmp_path, {"body": "<p>x</p>", "page_size": "Letter"})
    assert round(float(PdfReader(str(letter)).pages[0].mediabox.height) / 72, 1) == 11.0


def test_a_persian_fax_reads_right_to_left_with_a_persian_header(fax_app, tmp_path):
    from chapar_fax.document import fax_html, is_rtl

    content = {"subject": "فهرست قیمت", "body": "<p>سلام دوست عزیز، قیمت‌های بهار پیوست است.</p>"}
    assert is_rtl(content, "") and 'dir="rtl"' in fax_html(content, True)
    _pages, pdf = render(tmp_path, content, language="fa")
    text = pdf_text(pdf)[0]
    assert "فهرست قیمت" in text and "قیمتهای بهار" in text.replace("\u200c", "")
    # Persian labels, the number kept "+98…" (not "…98+"); pypdf splits "صفحهٔ" at its hamza.
    assert "تاریخ" in text and "+982188776655" in text and "To:" not in text


def test_remote_images_are_never_fetched(fax_app, tmp_path, caplog):
    body = '<p>logo</p><img src="http://127.0.0.1:9/logo.png"><img src="file:///etc/passwd">'
    pages, pdf = render(tmp_path, {"body": body})
    assert pages == 1 and "logo" in pdf_text(pdf)[0]
    assert "http://127.0.0.1:9/logo.png" in caplog.text and "file:///etc/passwd" in caplog.text  # refused, logged


def test_a_body_too_long_is_refused_clearly(fax_app, tmp_path):
    from chapar_fax.document import MAX_BODY, FaxDocumentError

    with pytest.raises(FaxDocumentError, match="too long"):
        render(tmp_path, {"body": "x" * (MAX_BODY + 1)})
    assert not (tmp_path / "fax.pdf").exists() or (tmp_path / "fax.pdf").stat().st_size == 0


def test_the_composer_estimate_counts_rendered_pages(fax_app):
    from chapar import OutgoingMessage
    from chapar_fax.channel import FaxChannel

    body = "<p>a</p><p style='page-break-before: always'>b</p>"
    preview = OutgoingMessage(id=0, program_id=0, contact_id=None, address="", content={"body": body})
    assert FaxChannel().estimate(preview).units == 2
    sending = OutgoingMessage(id=7, program_id=1, contact_id=1, address="+982188776655", content={"body": body})
    assert FaxChannel().estimate(sending).units == 1  # counted for real when rendered for sending


def test_the_composer_counter_shows_the_pages_and_their_cost(fax_app, client_as):
    import re

    body = "<p>Dear {{ contact.first_name }}</p><p style='page-break-before: always'>prices</p>"
    form = {"name": "Note", "channel": "fax", "variant": [""], "c..subject": "Prices", "c..body": body,
            "c..page_size": "A4", "cost_per_unit": "0.05", "audience_recipients": "100", "audience_currency": "EUR"}
    page = client_as("marketer").post("/compose/check", data=form).get_data(as_text=True)
    text = re.sub(r"<[^>]+>|\s+", " ", page)
    assert re.search(r"Units per recipient\s+2\s+× page", text) and re.search(r"Total for the audience\s+10 EUR", text)
