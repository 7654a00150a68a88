"""What a received mail does to Chapar: a bounce, a complaint, a reply, an unsubscribe request —
or nothing we know.

`handle(msg)` returns an Outcome; the IMAP poller (inbox.py) moves handled mail to the
processed folder and leaves the rest where it was. The webhook (webhook.py) calls
`apply_bounce` and `apply_complaint` directly.

Which message a report is about (_match): the signed return path and signed Message-IDs
(verp.py) are trusted as they are. An unsigned <chapar-<id>@…> Message-ID counts only when the
report names a recipient and it is the message's address: ids are sequential, so anyone could
quote a range of them and bounce or complain everyone. Mail we sent before Message-IDs were
signed is still in flight for a while: its bounces almost always name the failed recipient, and
replies come from it, so they still find their message; a complaint with the recipient redacted
and no return path finds none (left in the inbox for a person).
"""
import logging
import os
from dataclasses import dataclass
from email.utils import parseaddr

from chapar import record_event, record_inbound

from . import arf, core_access, dsn, replies
from .unsubscribe import subscription, unsubscribe

log = logging.getLogger("chapar_email.inbox")

DEFAULT_SOFT_BOUNCE_LIMIT = 3
# Quoted Message-IDs looked up per mail: a genuine report or reply quotes one or two, and each
# costs a query, so a mail quoting thousands is not allowed to cost thousands.
MAX_CANDIDATES = 10


def soft_bounce_limit():
    """CHAPAR_EMAIL_SOFT_BOUNCE_LIMIT: soft bounces in a row that make an address "bounced" (3)."""
    try:
        return max(1, int(os.environ.get("CHAPAR_EMAIL_SOFT_BOUNCE_LIMIT", DEFAULT_SOFT_BOUNCE_LIMIT)))
    except ValueError:
        return DEFAULT_SOFT_BOUNCE_LIMIT


@dataclass
class Outcome:
    kind: str  # bounced, deferred, delivered, complained, replied, auto_reply, unsubscribed, forged, unknown
    handled: bool  # True: move it to the processed folder; False: leave it and log why
    message_id: int | None = None
    detail: str = ""


def handle(msg):
    """Act on one parsed mail (compat32 email.message.Message)."""
    # First: whatever else such a mail looks like (Gmail's is automatic), sending it to the
    # List-Unsubscribe mailto address is how a person or their provider asks us to stop.
    unsubscribe_tokens = replies.unsubscribe_tokens(msg)
    if unsubscribe_tokens:
        return apply_unsubscribe_request(unsubscribe_tokens, msg.get("Message-ID", ""))
    complaint = arf.parse_complaint(msg)
    if complaint is not None:
        return apply_complaint(_match(complaint.verp_id, complaint.signed_ids, complaint.header_ids,
                                      complaint.recipient), complaint.feedback_type, source="arf")
    bounce = dsn.parse_bounce(msg)
    if bounce is not None:
        message = _match(bounce.verp_id, bounce.signed_ids, bounce.header_ids, bounce.recipient)
        if bounce.action == "delivered":
            return Outcome("delivered", True, message and message["id"], "a successful delivery notice")
        if bounce.action == "delayed":
            if message is None:
                return Outcome("unknown", False, None, "a delay notice for no message of ours")
            # Still being retried by the remote server: noted, neither bounced nor counted.
            record_event("deferred", message=message["id"], status=bounce.status, error=bounce.reason)
            return Outcome("deferred", True, message["id"], bounce.reason)
        return apply_bounce(message, bounce.hard, bounce.reason or bounce.status, status=bounce.status, source="dsn")
    if replies.is_auto_reply(msg):
        # Out-of-office and other robots: not a person answering, so no InboundMessage.
        message = _replied(msg, replies.replied_message_id(msg))
        return Outcome("auto_reply", message is not None, message and message["id"], "an automatic reply")
    reply = replies.parse_reply(msg)
    if reply is not None:
        message = _replied(msg, reply.message_id, reply.unsigned_ids)
        if message is not None:
            inbound = record_inbound("email", reply.sender, reply.body, subject=reply.subject,
                                     recipient=reply.recipient, provider_id=reply.provider_id,
                                     message=message["id"])
            return Outcome("replied", True, message["id"], f"inbound {inbound.id}")
    return Outcome("unknown", False, None, "neither a bounce, a complaint nor a reply to one of our messages")


def _match(verp_id, signed_ids, unsigned_ids, recipient=""):
    """The Message a report is about: the signed return path, else a signed Message-ID, else an
    unsigned Message-ID (older mail) whose address is the recipient the report names."""
    for candidate in ([verp_id] if verp_id is not None else []) + list(signed_ids)[:MAX_CANDIDATES]:
        found = core_access.message_summary(candidate)
        if found is not None:
            return found
    if not recipient:  # an unsigned id alone proves nothing
        return None
    for candidate in list(unsigned_ids)[:MAX_CANDIDATES]:
        found = core_access.message_summary(candidate)
        if found is not None and recipient.lower() == found["address"]:
            return found
    return None


def _replied(msg, proven_id, unsigned_ids=None):
    """The Message a reply answers: the one the reply-to token or a signed Message-ID proves, else
    one an unsigned Message-ID names, when the reply comes from (From or Reply-To) its address."""
    if proven_id is not None:
        return core_access.message_summary(proven_id)
    unsigned_ids = replies.unsigned_message_ids(msg) if unsigned_ids is None else unsigned_ids
    for header in ("From", "Reply-To"):
        sender = parseaddr(str(msg.get(header) or ""))[1]
        found = _match(None, (), unsigned_ids, sender) if sender else None
        if found is not None:
            return found
    return None


def apply_bounce(message, hard, reason, status="", source="dsn"):
    """Mark `message` (a message_summary) bounced and, when warranted, the address bounced."""
    if message is None:
        return Outcome("unknown", False, None, "a bounce for no message of ours")
    contact = message["contact"]
    consent_changed = False
    if contact is not None:
        # Consent first: if the core cannot change it, nothing is recorded and the mail stays
        # in the inbox to be handled again once it can.
        soft_count = 0 if hard else core_access.recent_soft_bounces(contact) + 1
        # A complaint says more than a bounce: a complained address stays complained.
        if (hard or soft_count >= soft_bounce_limit()) and core_access.email_consent(contact) != "complained":
            detail = f"{'hard' if hard else f'{soft_count} soft'} bounce of message {message['id']}: {reason}"
            consent_changed = core_access.set_email_consent(contact, "bounced", "bounce", detail) is not None
    record_event("bounced", message=message["id"], error=reason or status or "bounced", hard=bool(hard),
                 status=status, source=source)
    log.info("message %s bounced (%s, %s)%s", message["id"], "hard" if hard else "soft", reason,
             "; address marked bounced" if consent_changed else "")
    return Outcome("bounced", True, message["id"], reason)


def apply_complaint(message, feedback_type="abuse", source="arf"):
    """The recipient called our email spam: consent "complained" and a "complained" event."""
    if message is None:
        return Outcome("unknown", False, None, "a complaint about no message of ours")
    if message["contact"] is not None:
        core_access.set_email_consent(message["contact"], "complained", "complaint",
                                      f"{feedback_type} report ({source}) on message {message['id']}")
    record_event("complained", message=message["id"], feedback_type=feedback_type, source=source)
    log.info("message %s: %s complaint", message["id"], feedback_type)
    return Outcome("complained", True, message["id"], feedback_type)


def apply_unsubscribe_request(tokens, mail_id=""):
    """A mail to `unsubscribe+<token>@…`: unsubscribe from email whom a valid token names, through
    the same function as the one-click link (consent record "unsubscribe_link", via mailto).
    The token is the only proof, as for one-click; when no token is valid (forged, damaged, a
    lowercased local part, signed by another SECRET_KEY) nobody is touched and the mail stays."""
    valid = [sub for sub in map(subscription, tokens) if sub is not None]
    if not valid:
        log.warning("unsubscribe request %s: no valid token in %s; nothing changed", mail_id or "without Message-ID",
                    ", ".join(f"unsubscribe+{token}@" for token in tokens))
        return Outcome("forged", False, None, "an unsubscribe request whose token is forged or damaged")
    changed = [sub for sub in valid if unsubscribe(sub, "mailto") is not None]
    for sub in changed:
        log.info("contact %s unsubscribed from email by mail (message %s)", sub.contact.id, sub.message_id)
    # Already unsubscribed, or the contact is gone: nothing to change, but the request is done.
    message_id = next((sub.message_id for sub in valid if sub.facts is not None), None)
    return Outcome("unsubscribed", True, message_id, f"{len(changed)} contact(s) unsubscribed"
                   if changed else "nothing to change: already unsubscribed, or the contact is gone")
