"""Rendered HTML in a sandboxed iframe: the program preview's frames and the composer's live ones.

A srcdoc frame would inherit this site's Content-Security-Policy, which blocks the inline styles
every email relies on, so each frame's document comes from its own URL with FRAME_POLICY (sandbox,
no script at all). The composer has nothing saved to point at while typing: its live check renders
each HTML field for a sample contact and stashes the result in Redis under a random key for a few
minutes, and /compose/frame/<key> serves it.
"""
import re
import secrets

from flask import abort, make_response, request, url_for
from flask_babel import gettext as _

from chapar.access import require_role
from chapar.models import Contact
from chapar.queue import get_redis
from chapar.sending.render import field_values
from chapar.templating import TemplateError, contact_context, render

from . import blueprint

# The frame's own policy: inline styles and remote images as an email client shows them, nothing else.
FRAME_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https: data:; "
                "sandbox; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
FRAME_KEY = "chapar:compose-frame:{}"
FRAME_TTL = 600  # seconds: long enough to look at, short enough that typing leaves no heap behind
MAX_FRAME = 512 * 1024  # characters stored for one frame (the templating output cap as well)
KEY_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def frame_response(html):
    """A document for a sandboxed iframe, under a policy that lets no script run."""
    response = make_response(html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = FRAME_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def problem_text(error):
    """A TemplateError as people read it, with its line when known."""
    return _("Line %(line)s: %(problem)s", line=error.line, problem=error.message) if error.line else error.message


def sample_contact():
    """The composer's chosen preview contact (`preview_contact`), or None for one with no details."""
    value = request.values.get("preview_contact", "").strip()
    if not value.isdigit() or len(value) > 18:
        return None
    return Contact.get_or_none(Contact.id == int(value))


def render_sample(channel, field, source, contact):
    """A field's source rendered as it would be sent to `contact`; raises TemplateError."""
    if not field.template or not source:
        return source or ""
    values = field_values([contact.id]).get(contact.id) if contact else None
    context = {"contact": contact_context(contact or Contact(), values),
               "links": {name: "#" for name in channel.template_links},
               "program": {"name": request.values.get("name", ""), "id": 0}, "campaign": {"name": "", "id": 0}}
    return render(source, context, autoescape=field.name in channel.html_fields)


def live_frame(channel, field, source, contact):
    """{"url": frame URL} for the rendered field, or {"error": message} when it cannot be shown."""
    try:
        html = render_sample(channel, field, source, contact)
    except TemplateError as error:
        return {"error": problem_text(error)}
    if len(html) > MAX_FRAME:
        return {"error": _("Too large to preview.")}
    key = secrets.token_urlsafe(18)
    get_redis().set(FRAME_KEY.format(key), html.encode("utf-8"), ex=FRAME_TTL)
    return {"url": url_for("webui.compose_frame", key=key)}


@blueprint.route("/compose/frame/<key>")
@require_role("marketer")
def compose_frame(key):
    """The composer's stashed HTML, for its sandboxed iframe; 404 once expired."""
    html = get_redis().get(FRAME_KEY.format(key)) if KEY_SHAPE.match(key) else None
    if html is None:
        abort(404)
    return frame_response(html.decode("utf-8"))

