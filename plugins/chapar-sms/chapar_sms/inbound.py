"""Received SMS, from any gateway: matched to the contact by number and to the most recent program
that messaged that number, keywords acted on (opt-out, opt-in, help), and stored as InboundMessage.

Whoever can make a gateway report an SMS "from" a number can opt that number out or in: SMS
sender numbers can be spoofed, and nothing here can tell. What such a sender cannot do is make
us spend: a keyword's reply goes to a number at most once per keyword per REPLY_EVERY_SECONDS,
only to valid numbers, and opt-outs from unknown numbers create at most NEW_CONTACTS_PER_HOUR
contacts (CHAPAR_SMS_NEW_CONTACTS_PER_HOUR) an hour; the received messages are all kept.
"""
import datetime
import logging
import os

from chapar import Contact, Message, Program, change_consent, get_redis, opt_out, record_event, record_inbound, utcnow

from . import encoding, keywords, numbers
from .providers.base import ProviderError, Submission
from .settings import DEFAULT_KEYWORDS, keyword_list

log = logging.getLogger(__name__)

# What each keyword does to SMS consent, and the settings holding its words and its reply.
ACTIONS = {
    "opt_out": ("unsubscribed", "opt_out_keywords", "opt_out_reply"),
    "opt_in": ("subscribed", "opt_in_keywords", "opt_in_reply"),
    "help": (None, "help_keywords", "help_reply"),
}
REPLY_EVERY_SECONDS = 3600
NEW_CONTACTS_PER_HOUR = 1000


def _settings():
    from chapar import channel_settings  # the saved keyword lists and replies

    return channel_settings("sms")


def last_message_to(number, days):
    """The most recent SMS Message sent to `number` (E.164) within `days`, or None."""
    since = utcnow() - datetime.timedelta(days=float(days or 0))
    return (Message.select().join(Program)
            .where((Program.channel == "sms") & (Message.address == number) & Message.sent_at.is_null(False)
                   & (Message.sent_at >= since))
            .order_by(Message.sent_at.desc(), Message.id.desc()).first())


def contact_for(number, region, message=None):
    """The contact behind `number`: the one the matched message (or any SMS message) went to, else
    one whose mobile is any spelling of the number (+98912…, 0912…, 98912…); None when nobody has it."""
    if message is None:  # launched programs hold the number normalised, even if the contact does not
        message = (Message.select(Message.contact).join(Program)
                   .where((Program.channel == "sms") & (Message.address == number) & Message.contact.is_null(False))
                   .order_by(Message.id.desc()).first())
    if message is not None and message.contact_id:
        found = Contact.get_or_none(Contact.id == message.contact_id)
        if found is not None:
            return found
    return (Contact.select().where(Contact.mobile.in_(numbers.spellings(number, region)))
            .order_by(Contact.id).first())


def sharing(number, region, contact):
    """Every contact whose mobile is a spelling of `number`, `contact` first: consent belongs to
    the phone, so a STOP must hold for each of them (a launch skips the unsubscribed one as
    no_consent and would text the number through another)."""
    others = Contact.select().where(Contact.mobile.in_(numbers.spellings(number, region))).order_by(Contact.id)
    return [contact] + [c for c in others if c.id != contact.id]


def _may_create_contact():
    """True while fewer than the hourly cap of contacts were created for unknown numbers' opt-outs."""
    try:
        cap = int(os.environ.get("CHAPAR_SMS_NEW_CONTACTS_PER_HOUR", NEW_CONTACTS_PER_HOUR))
    except ValueError:
        cap = NEW_CONTACTS_PER_HOUR
    key = f"chapar-sms:opt-out-contacts:{utcnow():%Y%m%d%H}"
    redis = get_redis()
    count = redis.incr(key)
    redis.expire(key, 7200)
    return count <= cap


def received(gateway, sender, text, *, recipient="", provider_id="", data=None):
    """Handle one received SMS; returns the InboundMessage.

    A keyword changes the SMS consent of every contact with the sender's number (with a consent
    record) and gets its reply; an opt-out from a valid number no contact has creates a contact
    for it, so no later import or program texts that number again.
    """
    settings = _settings()
    region = settings.get("default_region") or ""
    # No database stores NUL (PostgreSQL refuses it), and UCS-2 or a gateway may deliver some.
    text, sender, recipient, provider_id = (str(v or "").replace("\0", "") for v in (text, sender, recipient,
                                                                                       provider_id))
    try:
        number, valid = numbers.normalize(sender, region), True
    except ValueError:  # an alphanumeric sender, garbage: kept as given, never replied to
        number, valid = str(sender or "").strip()[:320], False
    message = last_message_to(number, settings.get("reply_window_days") or 7)
    contact = contact_for(number, region, message)
    # Blank lists fall back to the defaults: opting out by STOP must always work.
    action = keywords.match(text, {kind: keyword_list(settings.get(words) or DEFAULT_KEYWORDS[words])
                                   for kind, (_status, words, _reply) in ACTIONS.items()})
    details = dict(data or {}, gateway=gateway.name)
    if action:
        status, _words, reply_setting = ACTIONS[action]
        if status:
            if contact is None and action == "opt_out" and valid:
                if _may_create_contact():
                    contact = Contact.create(mobile=number)
                else:
                    log.warning("SMS opt-out from unknown %s: hourly cap of new contacts reached", number)
                    details["contact"] = "not created: too many opt-outs from unknown numbers this hour"
            for holder in sharing(number, region, contact) if contact is not None else ():
                detail = f"SMS “{text.strip()[:60]}” from {number}"
                changed = (opt_out(holder, "sms", "keyword", detail=detail) if action == "opt_out"
                           else change_consent(holder, "sms", status, "keyword", detail=detail))
                if action == "opt_out" and (changed or holder is contact):
                    record_event("unsubscribed", contact=holder, message=message if holder is contact else None,
                                 channel="sms", via="keyword")
        details["reply"] = reply(gateway, number, settings.get(reply_setting) or "", key=action) if valid else ""
    return record_inbound("sms", number, text, recipient=recipient, provider_id=provider_id, contact=contact,
                          program=message.program_id if message else None, message=message,
                          action={"opt_out": "unsubscribed", "opt_in": "subscribed", "help": "help"}.get(action, ""),
                          data=details)


def reply(gateway, number, text, key=""):
    """Send `text` to `number` through `gateway` outside any program; returns what happened, for the
    received message's record ("sent", "failed: …", "skipped: …", or "" when there was nothing to
    send). With a `key` (the keyword's kind), `number` gets that reply once per REPLY_EVERY_SECONDS:
    a flood of HELP costs one SMS an hour."""
    from .providers.registry import provider_for

    text = (text or "").strip()
    if not text:
        return ""
    if key and not get_redis().set(f"chapar-sms:replied:{key}:{number}", 1, nx=True, ex=REPLY_EVERY_SECONDS):
        return "skipped: already replied within the hour"
    counted = encoding.count(text)
    try:
        result = provider_for(gateway).send([Submission(message_id=0, to=number, text=text, sender=gateway.sender,
                                                        encoding=counted.encoding, segments=counted.segments)])[0]
    except (ProviderError, OSError) as exc:
        log.warning("SMS gateway %s: reply to %s failed: %s", gateway.name, number, exc)
        return f"failed: {exc}"
    return "sent" if result.outcome == "accepted" else f"failed: {result.error}"
