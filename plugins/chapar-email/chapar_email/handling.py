"""What a received mail does to Chapar: a bounce, a complaint, a reply, an unsubscribe request —
or nothing we know.

`handle(msg)` returns an Outcome; the IMAP poller (inbox.py) moves handled mail to the
processed folder and leaves the rest where it was. The webhook (webhook.py) calls
`apply_bounce` and `apply_complaint` directly.

A bounce found only through a quoted Message-ID counts only when the failed recipient (if the
bounce names one) is the message's address: Message-IDs are not signed, so anyone could quote
one. The signed return path (verp.py) is trusted as it is.
"""
import logging
import os
from dataclasses import dataclass

from chapar import record_event, record_inbound

from . import arf, core_access, dsn, replies
from .unsubscribe import subscription, unsubscribe

log = logging.getLogger("chapar_email.inbox")

DEFAULT_SOFT_BOUNCE_LIMIT = 3


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
        return apply_complaint(_match(complaint.verp_id, complaint.header_ids, complaint.recipient),
                               complaint.feedback_type, source="arf")
    bounce = dsn.parse_bounce(msg)
    if bounce is not None:
        message = _match(bounce.verp_id, bounce.header_ids, bounce.recipient)
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
        found = replies.replied_message_id(msg)
        return Outcome("auto_reply", found is not None, found, "an automatic reply")
    reply = replies.parse_reply(msg)
    if reply is not None and reply.message_id is not None:
        message = core_access.message_summary(reply.message_id)
        if message is not None:
            inbound = record_inbound("email", reply.sender, reply.body, subject=reply.subject,
                                     recipient=reply.recipient, provider_id=reply.provider_id,
                                     message=message["id"])
            return Outcome("replied", True, message["id"], f"inbound {inbound.id}")
    return Outcome("unknown", False, None, "neither a bounce, a complaint nor a reply to one of our messages")


def _match(verp_id, header_ids, recipient=""):
    """The Message a report is about: the signed return path, else a quoted Message-ID whose
    address is the reported recipient."""
    if verp_id is not None:
        found = core_access.message_summary(verp_id)
        if found is not None:
            return found
    for candidate in header_ids:
        found = core_access.message_summary(candidate)
        if found is not None and (not recipient or recipient.lower() == found["address"]):
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
