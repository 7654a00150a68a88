"""Fax images, read back: ghostscript's TIFF has the PDF's pages at 204x196 dpi in G4 or G3, and a
received TIFF becomes a PDF with all its pages, or a clear error when it is too large or no TIFF."""
import io

import pytest
from chapar import render_pdf
from chapar_fax.tiff import (
    MAX_PAGES,
    FaxImageError,
    pdf_pages,
    pdf_to_fax_tiff,
    tiff_to_pdf,
)
from fax_support import pdf_text
from PIL import Image, ImageDraw, ImageSequence

TWO_PAGES = '<p>first page</p><p style="page-break-before: always">second page</p>'


@pytest.fixture(scope="module")
def two_page_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiff") / "two.pdf"
    path.write_bytes(render_pdf(TWO_PAGES, stylesheets=("@page { size: A4 }",)))
    return path


def fax_tiff(pages, size=(1728, 2292)):
    """A G4 TIFF of `pages` pages, each with its number drawn, as a fax machine delivers one."""
    frames = []
    for number in range(pages):
        frame = Image.new("1", size, 1)
        ImageDraw.Draw(frame).rectangle((100, 100 + number * 50, 400, 200 + number * 50), fill=0)
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, "TIFF", compression="group4", dpi=(204, 196), save_all=True, append_images=frames[1:])
    return out.getvalue()


@pytest.mark.parametrize(("compression", "expected"), [("g4", "group4"), ("g3", "group3")])
def test_a_pdf_becomes_a_fax_tiff_page_for_page(two_page_pdf, tmp_path, compression, expected):
    target = tmp_path / "fax.tif"
    assert pdf_to_fax_tiff(two_page_pdf, target, compression) == 2
    with Image.open(target) as image:
        assert image.n_frames == 2
        for frame in ImageSequence.Iterator(image):
            assert frame.info["compression"] == expected
            assert tuple(round(d) for d in frame.info["dpi"]) == (204, 196)
            assert frame.mode == "1"
            # An A4 page (297 mm) at 196 lines per inch: about 2292 lines, not US Letter's 2156.
            assert abs(frame.size[1] - 297 / 25.4 * 196) < 5


def test_a_letter_page_stays_letter(tmp_path):
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(render_pdf("<p>US</p>", stylesheets=("@page { size: 8.5in 11in }",)))
    pdf_to_fax_tiff(pdf, tmp_path / "letter.tif")
    with Image.open(tmp_path / "letter.tif") as image:
        assert abs(image.size[1] - 11 * 196) < 5


def test_pages_of_a_received_pdf_are_counted(two_page_pdf):
    assert pdf_pages(two_page_pdf.read_bytes()) == 2


def test_the_rendered_page_count_comes_with_the_pdf():
    pdf, pages = render_pdf("<p>one</p><p style='break-before: page'>two</p>", count_pages=True)
    assert pages == 2 and pdf_pages(pdf) == 2


def test_what_is_not_a_pdf_is_refused_clearly(tmp_path):
    bogus = tmp_path / "bogus.pdf"
    bogus.write_bytes(b"not a pdf at all")
    with pytest.raises(FaxImageError, match="ghostscript|PDF"):
        pdf_to_fax_tiff(bogus, tmp_path / "out.tif")
    with pytest.raises(FaxImageError, match="not a PDF"):
        pdf_pages(bogus.read_bytes())
    with pytest.raises(FaxImageError, match="not a PDF"):
        pdf_pages(b"%PDF-1.7\n" + b"\x00" * 100)  # the magic, then garbage
    with pytest.raises(ValueError, match="compression"):
        pdf_to_fax_tiff(bogus, tmp_path / "out.tif", "jpeg")


def test_a_received_tiff_becomes_a_pdf_with_every_page():
    pdf, pages = tiff_to_pdf(fax_tiff(3))
    assert pages == 3
    assert pdf.startswith(b"%PDF-") and len(pdf_text(pdf)) == 3


def test_a_received_fax_over_the_limits_is_refused():
    with pytest.raises(FaxImageError, match=f"more than {MAX_PAGES} pages, at most {MAX_PAGES}"):
        tiff_to_pdf(fax_tiff(MAX_PAGES + 1, size=(64, 64)))
    with pytest.raises(FaxImageError, match="larger than 20 MB"):
        tiff_to_pdf(b"II*\0" + b"\0" * (20 * 1024 * 1024))
    with pytest.raises(FaxImageError, match="cannot be read|not a TIFF"):
        tiff_to_pdf(b"GIF89a" + b"\0" * 100)
