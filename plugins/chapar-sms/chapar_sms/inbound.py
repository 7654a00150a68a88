"""Received SMS, from any gateway: matched to the contact by number and to the most recent program
that messaged that number, keywords acted on (opt-out, opt-in, help), and stored as InboundMessage.
"""
import datetime
import logging

from chapar import Contact, Message, Program, change_consent, record_event, record_inbound, utcnow

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


def received(gateway, sender, text, *, recipient="", provider_id="", data=None):
    """Handle one received SMS; returns the InboundMessage.

    A keyword changes the sender's SMS consent (with a consent record) and gets its reply; an
    opt-out from a number no contact has creates a contact for it, so no later import or program
    texts that number again.
    """
    settings = _settings()
    region = settings.get("default_region") or ""
    try:
        number = numbers.normalize(sender, region)
    except ValueError:
        number = str(sender or "").strip()
    message = last_message_to(number, settings.get("reply_window_days") or 7)
    contact = contact_for(number, region, message)
    # Blank lists fall back to the defaults: opting out by STOP must always work.
    action = keywords.match(text, {kind: keyword_list(settings.get(words) or DEFAULT_KEYWORDS[words])
                                   for kind, (_status, words, _reply) in ACTIONS.items()})
    details = dict(data or {}, gateway=gateway.name)
    if action:
        status, _words, reply_setting = ACTIONS[action]
        if status:
            if contact is None and action == "opt_out":
                contact = Contact.create(mobile=number)
            if contact is not None:
                change_consent(contact, "sms", status, "keyword", detail=f"SMS “{text.strip()[:60]}” from {number}")
                if action == "opt_out":
                    record_event("unsubscribed", contact=contact, message=message, channel="sms", via="keyword")
        details["reply"] = reply(gateway, number, settings.get(reply_setting) or "")
    return record_inbound("sms", number, text, recipient=recipient, provider_id=provider_id, contact=contact,
                          program=message.program_id if message else None, message=message,
                          action={"opt_out": "unsubscribed", "opt_in": "subscribed", "help": "help"}.get(action, ""),
                          data=details)


def reply(gateway, number, text):
    """Send `text` to `number` through `gateway` outside any program; returns what happened, for the
    received message's record ("sent", "failed: …", or "" when there was nothing to send)."""
    from .providers.registry import provider_for

    text = (text or "").strip()
    if not text:
        return ""
    counted = encoding.count(text)
    try:
        result = provider_for(gateway).send([Submission(message_id=0, to=number, text=text, sender=gateway.sender,
                                                        encoding=counted.encoding, segments=counted.segments)])[0]
    except (ProviderError, OSError) as exc:
        log.warning("SMS gateway %s: reply to %s failed: %s", gateway.name, number, exc)
        return f"failed: {exc}"
    return "sent" if result.outcome == "accepted" else f"failed: {result.error}"
