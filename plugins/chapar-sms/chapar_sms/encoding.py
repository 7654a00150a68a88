"""GSM 03.38 or UCS-2, and how many segments a text takes.

A text made only of the GSM 03.38 default alphabet travels in 7-bit septets: 160 in one SMS, 153 in
each part of a concatenated one (the UDH takes the rest). The extension table's characters
(^ { } \\ [ ~ ] | € and form feed) take two septets (an escape and the character) and are never
split across parts. Any other character makes the whole text UCS-2: 70 UTF-16 code units in one
SMS, 67 per part; characters outside the BMP (most emoji) take two units and are never split.

An empty text counts as 0 characters in 1 segment: sent, it would still be one SMS.
"""
from dataclasses import dataclass
from functools import lru_cache

# The GSM 03.38 default alphabet (ESC, 0x1B, is not a character of its own).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}
# At most this many distinct characters (and fewer than half the text) count as "forcing" UCS-2
# onto an otherwise GSM text; a Persian text is UCS-2 by nature and gets no warning.
FORCING_AT_MOST = 3
# Texts whose count is kept: the worker counts each message's text for its estimate and again as
# its batch is handed to the gateway, a few batches later.
COUNTED_TEXTS = 4096


@dataclass(frozen=True)
class Counted:
    characters: int
    encoding: str  # "gsm7" or "ucs2"
    segments: int
    forced_by: tuple = ()  # the few characters that make an otherwise GSM text UCS-2


def is_gsm(char):
    """True when `char` is in the GSM 03.38 default alphabet or its extension table."""
    return char in GSM_BASIC or char in GSM_EXTENSION


GSM_ALL = GSM_BASIC | GSM_EXTENSION


def encoding_of(text):
    """"gsm7" when every character of `text` is GSM 03.38, else "ucs2"."""
    return "gsm7" if GSM_ALL.issuperset(text) else "ucs2"  # a set test: this runs for every message sent


def width(char, encoding):
    """What `char` takes in an SMS: septets in GSM (2 for the extension table), UTF-16 units in UCS-2."""
    if encoding == "gsm7":
        return 2 if char in GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def _units(text, encoding):
    """Septets (GSM) or UTF-16 code units (UCS-2) of the whole text."""
    if encoding == "gsm7":
        return len(text) + sum(text.count(c) for c in GSM_EXTENSION if c in text)
    return len(text.encode("utf-16-le")) // 2


def _forced_by(text):
    foreign = [c for c in text if not is_gsm(c)]
    distinct = tuple(dict.fromkeys(foreign))
    visible = sum(1 for c in text if not c.isspace())
    if len(distinct) <= FORCING_AT_MOST and len(foreign) * 2 < visible:
        return distinct
    return ()


def split(text, encoding=None):
    """The parts `text` is sent in: one string when it fits a single SMS, else parts of at most
    153 septets (GSM) or 67 UTF-16 units (UCS-2), never cutting a two-septet or two-unit character."""
    encoding = encoding or encoding_of(text)
    if _units(text, encoding) <= SINGLE[encoding]:  # the common case, without a width per character
        return [text]
    widths = [width(c, encoding) for c in text]
    parts, start, used = [], 0, 0
    for index, w in enumerate(widths):
        if used + w > PART[encoding]:
            parts.append(text[start:index])
            start, used = index, 0
        used += w
    parts.append(text[start:])
    return parts


@lru_cache(maxsize=COUNTED_TEXTS)
def count(text):
    """Characters, encoding, segments and the characters forcing UCS-2, for the composer and the cost."""
    text = text or ""
    encoding = encoding_of(text)
    forced = _forced_by(text) if encoding == "ucs2" else ()
    return Counted(characters=len(text), encoding=encoding, segments=len(split(text, encoding)), forced_by=forced)
