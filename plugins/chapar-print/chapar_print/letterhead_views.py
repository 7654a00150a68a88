"""The letterhead logo page (admins): upload a PNG or JPEG, see it, see a sample letter with it,
remove it. The checks and the storage are in logo.py."""
import tempfile

from chapar import channel_settings, record_audit, require_role
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .letters import LetterError, render_letter
from .logo import MAX_SIDE, LogoError, current_logo, logo_folder, remove_logo, save_logo

letterhead_pages = Blueprint("chapar_print_letterhead", __name__, url_prefix="/print/letterhead")
SAMPLE = {"body": "<p>Dear Sara Example,</p><p>This is how your letters look with this letterhead.</p>",
          "page_size": "A4", "address_window": "din-b", "margins": 20}


@letterhead_pages.get("/")
@require_role("admin")
def letterhead():
    return render_template("chapar_print/letterhead.html", logo=current_logo(), max_side=MAX_SIDE, error=None)


@letterhead_pages.post("/")
@require_role("admin")
def upload():
    """A new logo; a refused file leaves the current one as it was, with the reason shown."""
    chosen = request.files.get("logo")
    try:
        name = save_logo(chosen.stream if chosen else _Empty())
    except LogoError as exc:
        return render_template("chapar_print/letterhead.html", logo=current_logo(), max_side=MAX_SIDE,
                               error=str(exc)), 400
    record_audit("print.logo_uploaded", current_user, "letterhead", file=name)
    flash(_("The new logo is on every letter from now on."), "ok")
    return redirect(url_for("chapar_print_letterhead.letterhead"), code=303)


@letterhead_pages.post("/remove")
@require_role("admin")
def remove():
    remove_logo()
    record_audit("print.logo_removed", current_user, "letterhead")
    flash(_("The logo is removed; letters have a letterhead of text only."), "ok")
    return redirect(url_for("chapar_print_letterhead.letterhead"), code=303)


@letterhead_pages.get("/logo")
@require_role("admin")
def logo_image():
    """The current logo, for this page's preview."""
    name = current_logo()
    if name is None:
        abort(404)
    return send_file(logo_folder() / name, max_age=0)


@letterhead_pages.get("/sample.pdf")
@require_role("admin")
def sample():
    """A sample letter with the current letterhead, logo and sender, as the letters will have them."""
    name = current_logo()
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    try:
        render_letter(SAMPLE, "Sara Example\n1 Main Street\n10000 Springfield", channel_settings("print"), "en",
                      target=handle, logo=logo_folder() / name if name else None)
    except LetterError as exc:
        handle.close()
        abort(500, str(exc))
    handle.seek(0)
    return send_file(handle, mimetype="application/pdf", download_name="sample-letter.pdf", max_age=0)


class _Empty:
    """No file chosen: read as an empty upload, which save_logo refuses with its message."""

    def read(self, _size=-1):
        return b""
