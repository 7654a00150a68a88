"""Changing consent: the status on the contact moves, and a history row records how and why."""
from ..models import CHANNELS, CONSENT_METHODS, CONSENT_STATUSES, ConsentRecord, Contact, utcnow


def check_change(channel, status, method):
    """ValueError unless `channel`, `status` and `method` are known codes."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; choose one of {', '.join(CHANNELS)}")
    if status not in CONSENT_STATUSES:
        raise ValueError(f"unknown consent status {status!r}; choose one of {', '.join(CONSENT_STATUSES)}")
    if method not in CONSENT_METHODS:
        raise ValueError(f"unknown consent method {method!r}")


def change_consent(contact, channel, status, method, actor=None, detail="", wording="", ip="", user_agent=""):
    """Set `contact`'s consent for `channel`; returns the new ConsentRecord, or None if unchanged."""
    check_change(channel, status, method)
    previous = contact.consent(channel)
    if previous == status:
        return None
    column = getattr(Contact, f"consent_{channel}")
    Contact.update({column: status, Contact.updated_at: utcnow()}).where(Contact.id == contact.id).execute()
    setattr(contact, f"consent_{channel}", status)
    return ConsentRecord.create(contact=contact, channel=channel, status=status, previous_status=previous,
                                method=method, actor=actor, detail=detail[:255], wording=wording, ip=ip[:64],
                                user_agent=user_agent[:255])


# How firmly a status keeps a channel shut: a merge keeps the firmer of two, and an opt-out never
# turns a bounce or a complaint into "unsubscribed" (a later sign-up would then reach it again).
RESTRICTIVENESS = {"unknown": 0, "subscribed": 1, "unsubscribed": 2, "bounced": 3, "complained": 4}


def opt_out(contact, channel, method, **details):
    """The contact asks to hear nothing more on `channel`: "unsubscribed", unless a firmer status
    (bounced, complained) already stops it. Returns the ConsentRecord, or None when unchanged.
    `details` are change_consent's (actor, detail, wording, ip, user_agent)."""
    if RESTRICTIVENESS[contact.consent(channel)] >= RESTRICTIVENESS["unsubscribed"]:
        return None
    return change_consent(contact, channel, "unsubscribed", method, **details)


def set_do_not_contact(contact, flag, method, actor=None, detail="", wording="", ip="", user_agent=""):
    """Block (or allow again) every channel at once; recorded like a consent change."""
    if contact.do_not_contact == bool(flag):
        return None
    Contact.update(do_not_contact=bool(flag), updated_at=utcnow()).where(Contact.id == contact.id).execute()
    contact.do_not_contact = bool(flag)
    return ConsentRecord.create(contact=contact, channel="all",
                                status="do_not_contact" if flag else "contact_allowed",
                                previous_status="contact_allowed" if flag else "do_not_contact",
                                method=method, actor=actor, detail=detail[:255], wording=wording, ip=ip[:64],
                                user_agent=user_agent[:255])
