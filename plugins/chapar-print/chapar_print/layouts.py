"""Paper sizes and window-envelope geometry, in millimetres from the page's top-left corner.

Where the address block goes (left, top, width, height), and why:
- DIN 5008 form B: the address field is 85 × 45 mm, 20 mm from the left edge and 45 mm from the top
  (form A: 27 mm from the top). Its first 17.7 mm are the "Zusatz- und Vermerkzone" that holds the
  return address line; the recipient's lines follow. It shows through the 90 × 45 mm window of a
  DL or C5/6 envelope (DIN 680) when an A4 sheet is folded in three (DIN 676).
- C5/6 window (UK and ISO practice): window 90 × 35 mm, 20 mm from the left; an A4 sheet folded in
  three shows the block at 20 mm from the left and 52 mm from the top of the page.
- US #10 window: the standard window is 4½ × 1⅛ in, ⅞ in from the left of the envelope; a Letter
  sheet folded in three shows a block ⅞ in from the left and 2 in (50.8 mm) from the top, 4 × 1⅛ in.
Envelope makers differ by a few millimetres: the block keeps a 2 mm inner margin so the text stays
inside the window. Postcards have no window: the address takes the right half.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

INCH = 25.4

# value: (width mm, height mm, label). Postcards are landscape, as they are written.
PAGE_SIZES = {
    "A4": (210, 297, "A4"),
    "A5": (148, 210, "A5"),
    "Letter": (8.5 * INCH, 11 * INCH, "Letter"),
    "postcard-A6": (148, 105, _l("Postcard A6")),
    "postcard-US": (6 * INCH, 4 * INCH, _l("Postcard US 4×6 in")),
}


@dataclass(frozen=True)
class Window:
    """Where the address block sits: millimetres from the page's top-left corner."""

    left: float
    top: float
    width: float
    height: float
    return_zone: float  # the top part that holds the small return address line


WINDOWS = {
    "din-b": (Window(20, 45, 85, 45, 17.7), _l("DIN 5008 form B")),
    "din-a": (Window(20, 27, 85, 45, 17.7), _l("DIN 5008 form A")),
    "c56": (Window(20, 52, 90, 35, 6), _l("C5/6 window")),
    "us10": (Window(0.875 * INCH, 2 * INCH, 4 * INCH, 1.125 * INCH, 5), _l("US #10 window")),
    "none": (None, _l("No window")),
}


def is_postcard(page_size):
    return page_size.startswith("postcard")


def page_dimensions(page_size):
    """(width, height) in mm; A4 for an unknown value."""
    width, height, _label = PAGE_SIZES.get(page_size, PAGE_SIZES["A4"])
    return width, height


def window_for(page_size, window):
    """The Window of the address block on this page, or None (the address flows above the body).

    A postcard's is its right half; a window meant for a wider sheet than the page is moved in so it
    stays on the page (an A5 letter in a C6 envelope)."""
    width, height = page_dimensions(page_size)
    if is_postcard(page_size):
        return Window(width / 2 + 4, height * 0.38, width / 2 - 10, height * 0.5, 5)
    box = WINDOWS.get(window, WINDOWS["din-b"])[0]
    if box is None:
        return None
    if box.left + box.width > width - 5:
        box = Window(max(5.0, width - 5 - box.width), box.top, min(box.width, width - 10), box.height, box.return_zone)
    return box
