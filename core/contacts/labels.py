"""What people read for the audience's stored codes: channels, consent statuses, methods, sources.

Lazy strings, so they are translated into the reader's language when shown (and stay English
outside a request: the CLI, workers, tests).
"""
from flask_babel import lazy_gettext as _l

CHANNEL_LABELS = {"email": _l("Email"), "sms": _l("SMS"), "fax": _l("Fax"), "print": _l("Print")}
STATUS_LABELS = {
    "unknown": _l("Unknown"), "subscribed": _l("Subscribed"), "unsubscribed": _l("Unsubscribed"),
    "bounced": _l("Bounced"), "complained": _l("Complained"),
    # The do-not-contact flag is recorded like a consent change on the channel "all".
    "do_not_contact": _l("Do not contact"), "contact_allowed": _l("Contact allowed"),
}
METHOD_LABELS = {
    "user": _l("Changed by a user"), "import": _l("Import file"), "api": _l("API"), "form": _l("Form"),
    "keyword": _l("Keyword"), "unsubscribe_link": _l("Unsubscribe link"), "bounce": _l("Bounce"),
    "complaint": _l("Complaint"), "merge": _l("Merge"),
}
SOURCE_LABELS = {
    "manual": _l("Entered by hand"), "import": _l("Import"), "web_form": _l("Web form"), "api": _l("API"),
    "referral": _l("Referral"), "event": _l("Event"), "other": _l("Other"),
}
KIND_LABELS = {"text": _l("Text"), "number": _l("Number"), "date": _l("Date"), "choice": _l("Choice"),
               "boolean": _l("Yes or no")}
ALL_CHANNELS_LABEL = _l("All channels")


def label(table, code):
    """The label of `code` in `table`, or the code itself for one a later release added."""
    return table.get(code, code)


def channel_label(channel):
    return ALL_CHANNELS_LABEL if channel == "all" else label(CHANNEL_LABELS, channel)
