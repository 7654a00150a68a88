"""Unsubscribing and the preferences page, reached from the links every email carries.

- GET /u/<token> (and GET /u/<token>/one-click): a confirmation page with the contact's consent
  per channel. A GET never changes anything, so link scanners unsubscribe nobody.
- POST /u/<token>: the page's form (with its CSRF token): unsubscribe from email, or save the
  per-channel choices.
- POST /u/<token>/one-click: RFC 8058 List-Unsubscribe-Post. Mail providers post
  "List-Unsubscribe=One-Click" without cookies, so there is no CSRF check: the signed token is
  the proof. Answers 200 at once.

Each change writes a consent record (method "unsubscribe_link", detail naming the message and
program) through chapar.change_consent, and an "unsubscribed" event when email consent ends.
"""
from chapar import change_consent, csrf_exempt, opt_out, record_event
from flask import Blueprint, abort, has_request_context, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import limits
from .records import find_contact, message_facts, reachable_channels
from .tokens import BadToken, verify

unsubscribe_pages = Blueprint("chapar_email_unsubscribe", __name__, url_prefix="/u", template_folder="templates")
limits.protect(unsubscribe_pages, "unsubscribe")
METHOD = "unsubscribe_link"
NO_STORE = "no-store"


class Subscription:
    """What a valid token leads to: the message (if it still exists) and the contact."""

    def __init__(self, message_id, contact_id):
        self.message_id = message_id
        self.facts = message_facts(message_id)
        # A deleted message keeps its token valid (the person still wants out), with the contact
        # the token names.
        if self.facts is not None and self.facts.contact_id != contact_id:
            if self.facts.contact_id is None:
                # The token's contact was deleted or merged away (its messages keep no contact).
                # Its id may since have gone to someone else (SQLite reuses the highest id).
                contact_id = None
            else:
                # The message id was reused for another person's message after a delete (SQLite):
                # that message and its contact are none of this token's business.
                self.facts = None
        self.contact = find_contact(contact_id)

    @property
    def detail(self):
        if self.facts is None:
            return f"message {self.message_id}"
        return f"message {self.message_id}, program {self.facts.program_name} (#{self.facts.program_id})"


def subscription(token):
    """The Subscription a token names, or None for a bad token."""
    try:
        return Subscription(*verify("unsubscribe", token))
    except BadToken:
        return None


def _change(sub, channel, status, via, wording):
    web = has_request_context()  # the mailto path runs in a worker
    details = dict(detail=f"{sub.detail}, via {via}", wording=wording, ip=(request.remote_addr or "") if web else "",
                   user_agent=request.headers.get("User-Agent", "") if web else "")
    if status == "unsubscribed":  # a bounce or complaint already stopping the address is kept
        record = opt_out(sub.contact, channel, METHOD, **details)
    else:
        record = change_consent(sub.contact, channel, status, METHOD, **details)
    if record is not None and status == "unsubscribed":
        record_event("unsubscribed", contact=sub.contact.id,
                     message=sub.message_id if sub.facts is not None else None, channel=channel, via=via)
    return record


def unsubscribe(sub, via, wording=""):
    """Unsubscribe the contact from email; returns the ConsentRecord, or None when already out.
    `via` is "one_click", "page" or "mailto" (the bounce/reply poller calls this for mailto)."""
    if sub is None or sub.contact is None:
        return None
    return _change(sub, "email", "unsubscribed", via, wording or "List-Unsubscribe")


def _page(token, sub, status=200, done=""):
    contact = sub.contact
    channels = reachable_channels(contact) if contact is not None else []
    response = make_response(render_template(
        "chapar_email/unsubscribe.html", token=token, contact=contact, channels=channels, done=done,
        masked=_masked(contact.email if contact is not None else ""),
        program=sub.facts.program_name if sub.facts is not None else "", channel_label=channel_label), status)
    response.headers["Cache-Control"] = NO_STORE
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _masked(email):
    """a•••@example.com: the page may be opened by whoever the email was forwarded to."""
    local, _at, domain = (email or "").partition("@")
    return f"{local[:1]}•••@{domain}" if domain else ""


def _invalid():
    response = make_response(render_template("chapar_email/link_invalid.html"), 404)
    response.headers["Cache-Control"] = NO_STORE
    return response


@unsubscribe_pages.route("/<token>", methods=["GET"])
@unsubscribe_pages.route("/<token>/one-click", methods=["GET"])
def page(token):
    sub = subscription(token)
    if sub is None:
        return _invalid()
    return _page(token, sub, done=request.args.get("done", "") if request.args.get("done") in DONE else "")


DONE = ("unsubscribed", "saved")


@unsubscribe_pages.route("/<token>", methods=["POST"])
def submit(token):
    sub = subscription(token)
    if sub is None:
        return _invalid()
    if sub.contact is None:
        return _page(token, sub)
    if request.form.get("action") == "unsubscribe":
        unsubscribe(sub, "page", wording=_("Unsubscribe from all emails"))
        return redirect(url_for(".page", token=token, done="unsubscribed"), 303)
    if request.form.get("action") != "save":
        abort(400)
    shown = set(request.form.getlist("channels")) & set(reachable_channels(sub.contact))
    for channel in sorted(shown):
        wanted = request.form.get(f"consent_{channel}") == "yes"
        subscribed = sub.contact.consent(channel) == "subscribed"
        if wanted and not subscribed:
            _change(sub, channel, "subscribed", "preferences", _("Keep sending me %(channel)s",
                                                                  channel=channel_label(channel)))
        elif subscribed and not wanted:
            _change(sub, channel, "unsubscribed", "preferences", _("Stop sending me %(channel)s",
                                                                   channel=channel_label(channel)))
    return redirect(url_for(".page", token=token, done="saved"), 303)


@unsubscribe_pages.route("/<token>/one-click", methods=["POST"])
@csrf_exempt
def one_click(token):
    """RFC 8058: the body is "List-Unsubscribe=One-Click"; no cookie, no CSRF token."""
    sub = subscription(token)
    if sub is None:
        return _invalid()
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    unsubscribe(sub, "one_click")
    response = make_response(_("You are unsubscribed."), 200)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Cache-Control"] = NO_STORE
    return response


def channel_label(channel):
    return {"email": _("Email"), "sms": _("Text messages (SMS)"), "fax": _("Fax"),
            "print": _("Letters and printed mail")}.get(channel, channel)
