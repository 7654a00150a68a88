"""The public tracking endpoints: GET /t/c/<token> (a click) and GET /t/o/<token>.gif (an open).

No login, no cookies. A click redirects only to a URL stored with that email (tracking.py);
a bad signature or an unknown index is a 404 page, never a redirect.
"""
import base64
import logging

from chapar import record_event, utcnow
from flask import Blueprint, make_response, redirect, render_template, request

from . import limits
from .records import message_facts
from .scanners import not_human_reason, scanner_seconds
from .tokens import BadToken, verify
from .tracking import link_of

log = logging.getLogger("chapar_email.tracking")
tracking_pages = Blueprint("chapar_email_tracking", __name__, url_prefix="/t", template_folder="templates")
limits.protect(tracking_pages, "tracking")
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")  # 1x1 transparent GIF
NO_STORE = "no-store, no-cache, must-revalidate, max-age=0, private"


def _record(name, facts, **properties):
    """Record the event, flagged when a scanner made it; a failure is logged, never shown."""
    # The core's guard answers HEAD as GET; the WSGI environ still says what the client sent.
    method = request.environ.get("REQUEST_METHOD", "GET").upper()
    reason = not_human_reason(request.headers.get("User-Agent"), method, facts.sent_at, utcnow(), scanner_seconds())
    if reason:
        properties["not_human"] = reason
    try:
        record_event(name, message=facts.id, human=not reason, **properties)
    except Exception:  # the person still gets their page or image
        log.exception("could not record %s for message %s", name, facts.id)


def _invalid():
    response = make_response(render_template("chapar_email/link_invalid.html"), 404)
    response.headers["Cache-Control"] = NO_STORE
    return response


@tracking_pages.route("/c/<token>")
def click(token):
    try:
        message_id, index = verify("click", token)
    except BadToken:
        return _invalid()
    facts = message_facts(message_id)
    url = link_of(message_id, index) if facts is not None else None
    if url is None:
        return _invalid()
    _record("clicked", facts, url=url, link=index)
    response = redirect(url, 302)
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays with us
    return response


@tracking_pages.route("/o/<token>.gif")
def open_pixel(token):
    try:
        (message_id,) = verify("open", token)
    except BadToken:
        return _invalid()
    facts = message_facts(message_id)
    if facts is not None:
        _record("opened", facts)
    response = make_response(PIXEL)
    response.headers["Content-Type"] = "image/gif"
    response.headers["Cache-Control"] = NO_STORE  # every open reaches us, not a cache
    response.headers["Pragma"] = "no-cache"
    return response
