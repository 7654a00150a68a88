"""Where a print program's letters live: <instance HOME>/print/program-<id>/<message id>.pdf, each
written under a temporary name and renamed, so a reader never sees half a letter."""
import os
import re
import uuid
from pathlib import Path

from flask import current_app

_LETTER = re.compile(r"^(\d+)\.pdf$")


def program_folder(program_id, create=False):
    """The folder of a program's letters (made, private to Chapar's user, with `create`)."""
    folder = Path(current_app.config["CHAPAR"].HOME) / "print" / f"program-{int(program_id)}"
    if create:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def letter_path(program_id, message_id):
    return program_folder(program_id) / f"{int(message_id)}.pdf"


def test_letter_path(program_id):
    """Where the composer's "send a test" puts its letter (message id 0): apart from the batch, and
    shown on the batch page as the latest test letter."""
    return program_folder(program_id) / "test-letter.pdf"


def write_atomically(path, write):
    """Call `write(binary file)` on a temporary file beside `path`, then rename it to `path`.
    Returns what `write` returned; on failure the temporary file is removed and `path` untouched."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as handle:
            result = write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return result


def rendered_letters(program_id):
    """[(message id, path)] of the letters rendered so far, by message id."""
    folder = program_folder(program_id)
    if not folder.is_dir():
        return []
    found = []
    for entry in os.scandir(folder):
        match = _LETTER.match(entry.name)
        if match and entry.is_file():
            found.append((int(match.group(1)), Path(entry.path)))
    return sorted(found)
