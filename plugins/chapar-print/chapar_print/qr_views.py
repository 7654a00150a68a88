"""The public end of a tracked QR code: GET /print/q/<message id>.<MAC> records "clicked" for the
letter and redirects to the link stored with it (qr_links.py). No login, no cookies; a bad or
unknown code gets a 404 page, never a redirect. Rate-limited per client address."""
import logging

from chapar import Message, rate_limit, record_event
from flask import Blueprint, make_response, redirect, render_template

from .qr_links import message_of, target_of

log = logging.getLogger(__name__)
qr_pages = Blueprint("chapar_print_qr", __name__, url_prefix="/print/q")
NO_STORE = "no-store, no-cache, must-revalidate, max-age=0, private"


@qr_pages.get("/<token>")
@rate_limit("120 per minute")
def scan(token):
    """A scan of a letter's QR code."""
    message_id = message_of(token[:40])
    row = (Message.select(Message.id, Message.program).where(Message.id == message_id).first()
           if message_id else None)
    target = target_of(row.program_id, row.id) if row is not None else None
    if target is None:
        response = make_response(render_template("chapar_print/qr_invalid.html"), 404)
        response.headers["Cache-Control"] = NO_STORE
        return response
    try:
        record_event("clicked", message=row.id, channel="print", url=target, via="qr")
    except Exception:  # the person still gets where the letter said
        log.exception("could not record the QR scan of message %s", row.id)
    response = redirect(target, 302)
    response.headers["Cache-Control"] = NO_STORE  # every scan reaches us
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
