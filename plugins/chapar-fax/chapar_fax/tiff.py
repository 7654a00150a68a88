"""Fax images: a PDF made into a fax TIFF with ghostscript (G3 or G4, 204x196 dpi, the page size
kept), a received TIFF made into a PDF with Pillow, and counting a received PDF's pages.

Ghostscript runs with -dSAFER (the PDF may read and write no file but its own) and a timeout; a
received TIFF is checked against MAX_PAGES and MAX_BYTES before any page is decoded, and every
page against Pillow's decompression-bomb limit.
"""
import io
import subprocess
from pathlib import Path

from PIL import Image, ImageSequence

GHOSTSCRIPT = "gs"
DEVICES = {"g4": "tiffg4", "g3": "tiffg3"}
RESOLUTION = "204x196"  # fine mode, the resolution every fax machine takes
TIMEOUT = 120  # seconds for one fax; a 50-page fax takes a few
MAX_PAGES = 50
MAX_BYTES = 20 * 1024 * 1024


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
          "-dUseCropBox", f"-sOutputFile={tiff_path}", str(pdf_path)])
    with Image.open(tiff_path) as image:
        return image.n_frames


def tiff_to_pdf(tiff_bytes):
    """The PDF of a received fax TIFF (every page): (pdf bytes, pages). Raises FaxImageError for
    what is not a TIFF, or is larger than MAX_BYTES or MAX_PAGES."""
    if len(tiff_bytes) > MAX_BYTES:
        raise FaxImageError(f"the fax is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        image = Image.open(io.BytesIO(tiff_bytes))
        if image.format != "TIFF":
            raise FaxImageError("not a TIFF image")
        pages = image.n_frames
        if pages > MAX_PAGES:
            raise FaxImageError(f"the fax has {pages} pages, at most {MAX_PAGES}")
        frames = []
        for frame in ImageSequence.Iterator(image):
            dpi = frame.info.get("dpi") or (204, 196)
            frames.append((frame.convert("1") if frame.mode != "1" else frame.copy(), dpi))
    except FaxImageError:
        raise
    except Image.DecompressionBombError:
        raise FaxImageError("a page of the TIFF is too large") from None
    except (OSError, SyntaxError, ValueError):
        # Pillow's messages name Python objects ("<_io.BytesIO object at 0x…>"): not for callers.
        raise FaxImageError("not a TIFF image, or it cannot be read") from None
    out = io.BytesIO()
    # Fax pixels are not square (204x196): each page keeps its own resolution, so it keeps its size.
    first, dpi = frames[0]
    first.save(out, "PDF", dpi=tuple(float(d) for d in dpi), save_all=True,
               append_images=[frame for frame, _dpi in frames[1:]])
    return out.getvalue(), pages
