"""Persian digits (۰–۹) in a letter's text, leaving markup, CSS and web addresses alone: a URL or
an e-mail address printed with Persian digits could not be typed back in."""
import re

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_PIECES = re.compile(r"(<[^>]*>)")
# Left as written: addresses people type in (https://…, www.…, name@host) and HTML entities (&#1234;).
_KEEP = re.compile(r"(\b[a-z][a-z0-9+.-]*://\S+|\bwww\.\S+|\S+@\S+|&#?\w+;)", re.IGNORECASE)
_RAW_START = re.compile(r"<(style|script)\b", re.IGNORECASE)


def persian_text(text):
    """`text` with Latin digits made Persian, except inside URLs, e-mail addresses and entities."""
    parts = _KEEP.split(text)
    return "".join(part if index % 2 else part.translate(PERSIAN) for index, part in enumerate(parts))


def persian_html(html):
    """`html` with Persian digits in its text nodes; tags, attributes (href, src) and the content
    of <style> and <script> are kept as they are."""
    out, raw = [], None
    for index, piece in enumerate(_PIECES.split(html)):
        if index % 2:  # a tag
            if raw is None:
                match = _RAW_START.match(piece)
                raw = match.group(1).lower() if match else None
            elif piece.lower().startswith(f"</{raw}"):
                raw = None
            out.append(piece)
        else:
            out.append(piece if raw else persian_text(piece))
    return "".join(out)
