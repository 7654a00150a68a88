"""The letterhead logo: an uploaded PNG or JPEG, checked with Pillow, kept in
<instance HOME>/print/letterhead/ under a random name and given to WeasyPrint only through
render_pdf's named folders (/print-letterhead/<name>), never as a URL it would fetch.

Only PNG and JPEG: an SVG can carry scripts and references to other files or servers, and a
raster logo prints as well. A bad upload changes nothing: the new file is checked in memory, written
under its own name, and only then made current; the old one is removed after that.
"""
import io
import re
import secrets
import uuid
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000  # pixels, either way
FORMATS = {"PNG": ".png", "JPEG": ".jpg"}
URL_PREFIX = "/print-letterhead/"
_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg)$")


class LogoError(ValueError):
    """The upload is not a logo we keep; the message says why, for people."""


def logo_folder():
    return Path(current_app.config["CHAPAR"].HOME) / "print" / "letterhead"


def current_logo():
    """The current logo's file name, or None (also outside an app, where there is no instance)."""
    if not has_app_context():
        return None
    try:
        name = (logo_folder() / "current").read_text().strip()
    except OSError:
        return None
    return name if _NAME.match(name) and (logo_folder() / name).is_file() else None


def read_limited(stream):
    """At most MAX_BYTES of an upload; LogoError when there is more."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LogoError(_("The logo is larger than 2 MB; please upload a smaller file."))
    return data


def check_image(data):
    """The image's file extension, after checking it is a whole PNG or JPEG within the limits."""
    if not data:
        raise LogoError(_("Please choose an image file."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            if kind not in FORMATS:
                raise LogoError(_("This is a %(kind)s image; please upload a PNG or JPEG.", kind=kind))
            if width > MAX_SIDE or height > MAX_SIDE:
                raise LogoError(_("The logo is %(width)d × %(height)d pixels; at most %(max)d × %(max)d, please.",
                                  width=width, height=height, max=MAX_SIDE))
            _check_whole(image, data)
    except LogoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if b"<svg" in data[:4096].lower():
            raise LogoError(_("SVG logos are not accepted (they can load other files); please upload a PNG or "
                              "JPEG.")) from exc
        raise LogoError(_("This file is not a readable PNG or JPEG image.")) from exc
    return FORMATS[kind]


def _check_whole(image, data):
    """Raise OSError for a cut or damaged file. Not by decoding alone: WeasyPrint sets Pillow's
    LOAD_TRUNCATED_IMAGES for the whole process, and Pillow then fills a missing end in silently."""
    if image.format == "PNG":
        image.verify()  # every chunk's checksum, up to IEND
        with Image.open(io.BytesIO(data)) as fresh:
            fresh.load()
    else:
        # A whole JPEG ends its scan data with EOI (FFD9) after the start of scan (FFDA).
        if data.rfind(b"\xff\xd9") < data.find(b"\xff\xda") or data.find(b"\xff\xda") < 0:
            raise OSError("JPEG without its end")
        image.load()


def save_logo(stream):
    """Check the uploaded `stream` and make it the logo; returns its name. LogoError if refused,
    and then the previous logo stays."""
    data = read_limited(stream)
    extension = check_image(data)
    folder = logo_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16) + extension
    (folder / name).write_bytes(data)
    previous = current_logo()
    _set_current(folder, name)
    if previous:
        (folder / previous).unlink(missing_ok=True)
    return name


def remove_logo():
    """Letters go back to a letterhead of text only."""
    previous = current_logo()
    _set_current(logo_folder(), "")
    if previous:
        (logo_folder() / previous).unlink(missing_ok=True)


def _set_current(folder, name):
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = folder / f".current.{uuid.uuid4().hex}"
    temporary.write_text(name)
    temporary.replace(folder / "current")
