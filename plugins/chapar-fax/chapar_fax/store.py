"""Where the fax plugin keeps its files, under the instance's HOME (private to Chapar's user):

    fax/sent/program-<id>/<message id>.pdf (and .tif)   what was faxed, kept for retries
    fax/received/<random>.pdf                           received faxes

Files are written under a temporary name and renamed, so a reader never sees half a fax. Received
names are random and checked against NAME before use: a stored name never walks out of the folder.
"""
import os
import re
import secrets
import uuid
from pathlib import Path

from flask import current_app

NAME = re.compile(r"^[A-Za-z0-9_-]{16,64}\.pdf$")


def _root():
    return Path(current_app.config["CHAPAR"].HOME) / "fax"


def sent_paths(program_id, message_id):
    """(pdf path, tiff path) of a message's fax; the folder is made."""
    folder = _root() / "sent" / f"program-{int(program_id)}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"{int(message_id)}.pdf", folder / f"{int(message_id)}.tif"


def temporary_path(path):
    """A name beside `path` to write to before renaming it into place."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


def store_received(data):
    """Keep a received fax's PDF bytes; returns its stored name."""
    folder = _root() / "received"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.pdf"
    path = folder / name
    temporary = temporary_path(path)
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return name


def received_path(name):
    """The path of a stored received fax, or None for a name that is not one of ours."""
    if not NAME.fullmatch(str(name or "")):
        return None
    path = _root() / "received" / name
    return path if path.is_file() else None
