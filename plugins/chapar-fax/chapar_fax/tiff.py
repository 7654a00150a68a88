"""Fax images: a PDF made into a fax TIFF with ghostscript (G3 or G4, 204x196 dpi, the page size
kept), a received TIFF made into a PDF with Pillow, and counting a received PDF's pages.

Ghostscript runs with -dSAFER (the PDF may read and write no file but its own) and a timeout; a
received TIFF is checked against MAX_BYTES, MAX_PAGES and every page's size against MAX_PAGE_PIXELS
before any page is decoded, and its pages are decoded one at a time: a few kilobytes of G4 can
claim a page of gigapixels, and Pillow checks only the first page of a file against its own limit.
"""
import io
import os
import struct
import subprocess

from PIL import Image

GHOSTSCRIPT = "gs"
DEVICES = {"g4": "tiffg4", "g3": "tiffg3"}
RESOLUTION = "204x196"  # fine mode, the resolution every fax machine takes
TIMEOUT = 120  # seconds for one fax; a 50-page fax takes a few
MAX_PAGES = 50
MAX_BYTES = 20 * 1024 * 1024
# A3 at 400 dpi (4864 pixels) by a page one and a half A4s long: more than any fax machine sends.
MAX_PAGE_PIXELS = 4864 * 7000
DPI_RANGE = (50, 1200)  # a resolution outside it is a broken or hostile file: the fax's own is used


class FaxImageError(ValueError):
    """The file cannot be converted; the message says why, for people."""


def _run(arguments, timeout=TIMEOUT):
    try:
        done = subprocess.run([GHOSTSCRIPT, *arguments], capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise FaxImageError("ghostscript (gs) is not installed") from None
    except subprocess.TimeoutExpired:
        raise FaxImageError(f"ghostscript took longer than {timeout} seconds") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()
        raise FaxImageError("ghostscript failed: " + (detail[-1] if detail else f"exit {done.returncode}"))
    return done.stdout.decode(errors="replace")


def pdf_pages(data):
    """The number of pages of the PDF `data` (bytes someone sent us). pypdf, pure Python, reads it:
    a hostile file meets no interpreter as it would in ghostscript. Raises FaxImageError."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        pages = len(PdfReader(io.BytesIO(data)).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError):
        raise FaxImageError("not a PDF that can be read") from None
    if not 1 <= pages <= MAX_PAGES:
        raise FaxImageError(f"the fax has {pages} pages; between 1 and {MAX_PAGES} are accepted")
    return pages


def pdf_to_fax_tiff(pdf_path, tiff_path, compression="g4"):
    """Write the PDF at `pdf_path` as a multi-page fax TIFF at `tiff_path`; return its pages."""
    if compression not in DEVICES:
        raise ValueError(f"compression must be one of {', '.join(DEVICES)}")
    _run(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", f"-sDEVICE={DEVICES[compression]}", f"-r{RESOLUTION}",
          # The page size of the PDF, not ghostscript's default paper, so A4 and Letter stay themselves.
          "-dUseCropBox", f"-sOutputFile={_output_file(tiff_path)}", str(pdf_path)])
    with Image.open(tiff_path) as image:
        return image.n_frames


def _output_file(path):
    """`path` as ghostscript's -sOutputFile reads it: it makes "%d" a page number and "|…" a pipe
    to a command, so the path is made absolute and each "%" doubled."""
    return os.path.abspath(path).replace("%", "%%")


def tiff_to_pdf(tiff_bytes):
    """The PDF of a received fax TIFF (every page): (pdf bytes, pages). Raises FaxImageError for
    what is not a TIFF, or is larger than MAX_BYTES, MAX_PAGES or MAX_PAGE_PIXELS."""
    if len(tiff_bytes) > MAX_BYTES:
        raise FaxImageError(f"the fax is larger than {MAX_BYTES // (1024 * 1024)} MB")
    out = io.BytesIO()
    try:
        with Image.open(io.BytesIO(tiff_bytes)) as image:
            if image.format != "TIFF":
                raise FaxImageError("not a TIFF image")
            pages = _checked_pages(image)
            image.seek(0)
            # The TIFF itself goes to Pillow's PDF writer, which decodes one page at a time.
            image.save(out, "PDF", save_all=True, dpi=_fax_dpi(image.info.get("dpi")))
    except FaxImageError:
        raise
    except Image.DecompressionBombError:
        raise FaxImageError("a page of the TIFF is too large") from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError):
        # Pillow's messages name Python objects ("<_io.BytesIO object at 0x…>"): not for callers.
        raise FaxImageError("not a TIFF image, or it cannot be read") from None
    return out.getvalue(), pages


def _checked_pages(image):
    """The pages of the TIFF, each one's size read from its header before anything is decoded.
    Headers are read no further than MAX_PAGES + 1: Pillow's n_frames would read them all, and 16
    MB of tiny pages take it a minute."""
    pages = 0
    while True:
        try:
            image.seek(pages)
        except EOFError:
            return pages
        if pages == MAX_PAGES:
            raise FaxImageError(f"the fax has more than {MAX_PAGES} pages, at most {MAX_PAGES} are accepted")
        width, height = image.size
        if width * height > MAX_PAGE_PIXELS:
            raise FaxImageError(f"page {pages + 1} of the TIFF is too large ({width} x {height} pixels)")
        pages += 1


def _fax_dpi(dpi):
    """The resolution of the PDF's pages (one for all: Pillow's PDF writer takes one)."""
    low, high = DPI_RANGE
    try:
        x, y = (float(d) for d in dpi)
    except (TypeError, ValueError):
        return (204.0, 196.0)
    return (x, y) if low <= x <= high and low <= y <= high else (204.0, 196.0)
