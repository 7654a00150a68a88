"""The merged print file is written letter by letter (chapar_print/pdf_stream.py): every page in
order, duplex blanks where a letter ends on an odd page, a page tree any reader follows, and memory
that does not grow with the number of letters. No database: these run once."""
import io
import shutil
import tracemalloc

import pytest
from chapar_print.letters import render_letter
from chapar_print.pdf_stream import PAGES_PER_NODE, StreamingPdf
from print_support import pdf_reader

BREAK = '<p style="break-before: page">{}</p>'


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    """Letters of 1, 2, 1 and 3 pages, each page saying whose letter and which page it is."""
    folder = tmp_path_factory.mktemp("letters")
    paths = []
    for name, pages in (("Ava", 1), ("Bahar", 2), ("Cyrus", 1), ("Dara", 3)):
        body = f"<p>Letter {name} page 1</p>" + "".join(BREAK.format(f"Letter {name} page {n}") for n in range(2, pages + 1))
        pdf, count = render_letter({"body": body, "qr_url": f"https://shop.example/r/{name}"}, f"{name}\n1 Main St", {})
        assert count == pages
        paths.append(folder / f"{name}.pdf")
        paths[-1].write_bytes(pdf)
    return paths


def merged(paths, duplex):
    out = io.BytesIO()
    writer = StreamingPdf(out)
    for path in paths:
        count, box = writer.append_file(path)
        if duplex and count % 2:
            writer.add_blank(box)
    writer.close()
    return out.getvalue(), writer.pages


def page_labels(pdf):
    """Per page: "<name> <page>" of the letter printed on it, or "" for a blank page."""
    labels = []
    for page in pdf_reader(pdf).pages:
        text = page.extract_text()
        found = [word for word in ("Ava", "Bahar", "Cyrus", "Dara") if f"Letter {word} page" in text]
        labels.append(f"{found[0]} {text.split(f'Letter {found[0]} page ')[1].split()[0]}" if found else "")
        if not found:
            assert not text.strip()
    return labels


def test_pages_come_in_letter_order_and_duplex_starts_each_letter_on_an_odd_page(letters):
    pdf, pages = merged(letters, duplex=True)
    assert page_labels(pdf) == ["Ava 1", "", "Bahar 1", "Bahar 2", "Cyrus 1", "", "Dara 1", "Dara 2", "Dara 3", ""]
    assert pages == 10
    simplex, pages = merged(letters, duplex=False)
    assert page_labels(simplex) == ["Ava 1", "Bahar 1", "Bahar 2", "Cyrus 1", "Dara 1", "Dara 2", "Dara 3"]
    reader = pdf_reader(simplex)
    # Each page keeps its size and draws exactly what the letter drew (text, QR code).
    assert all(round(float(p.mediabox.width)) == 595 for p in reader.pages)
    assert "shop.example/r/Dara" in reader.pages[6].extract_text()
    source = pdf_reader(letters[3]).pages[2]
    assert reader.pages[6].get_contents().get_data() == source.get_contents().get_data()


def test_a_long_batch_is_one_valid_file_with_every_page(letters, tmp_path):
    copies = []
    for n in range(PAGES_PER_NODE + 6):  # more pages than one node of the page tree holds
        copies.append(tmp_path / f"{n}.pdf")
        shutil.copyfile(letters[n % 2 * 2], copies[-1])  # Ava's and Cyrus's one-page letters
    pdf, pages = merged(copies, duplex=False)
    reader = pdf_reader(pdf)
    assert pages == len(reader.pages) == PAGES_PER_NODE + 6
    assert [label.split()[0] for label in page_labels(pdf)] == ["Ava", "Cyrus"] * ((PAGES_PER_NODE + 6) // 2)
    assert pdf.endswith(b"%%EOF\n") and not reader.xref_objStm  # plain cross-reference table, read as is


def test_memory_does_not_grow_with_the_number_of_letters(letters, tmp_path):
    copies = [tmp_path / f"{n}.pdf" for n in range(160)]
    for copy in copies:
        shutil.copyfile(letters[0], copy)

    def peak(count):
        tracemalloc.start()
        try:
            merged_bytes = StreamingPdf(open(tmp_path / "out.pdf", "wb"))  # noqa: SIM115 - closed below
            for path in copies[:count]:
                merged_bytes.append_file(path)
            merged_bytes.close()
            merged_bytes.target.close()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(40), peak(160)
    assert len(pdf_reader(tmp_path / "out.pdf").pages) == 160
    assert large < small * 1.3, (small, large)  # four times the letters, not four times the memory
