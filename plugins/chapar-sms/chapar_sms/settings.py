"""The SMS channel's settings (one generic page renders them) and the callback URLs gateways call."""
from urllib.parse import urlencode

from chapar import Field
from flask_babel import lazy_gettext as _l

DEFAULT_OPT_OUT = "STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, لغو, توقف"
DEFAULT_OPT_IN = "START, UNSTOP, شروع"
DEFAULT_HELP = "HELP, INFO, راهنما"
DEFAULT_KEYWORDS = {"opt_out_keywords": DEFAULT_OPT_OUT, "opt_in_keywords": DEFAULT_OPT_IN, "help_keywords": DEFAULT_HELP}

SETTINGS_FIELDS = (
    Field("public_url", _l("Public address of Chapar"), kind="url",
          help=_l("Where gateways send delivery reports and received messages, e.g. https://chapar.example.com")),
    Field("default_region", _l("Default country"), default="IR", max_length=2,
          help=_l("Two letters (IR, DE, US): numbers written without a country code are read as this country's.")),
    Field("opt_out_keywords", _l("Opt-out keywords"), kind="textarea", default=DEFAULT_OPT_OUT,
          help=_l("Separated by commas. A received message that is only one of these unsubscribes the sender.")),
    Field("opt_out_reply", _l("Reply to an opt-out"), kind="textarea", max_length=300,
          default="You are unsubscribed and will receive no more messages. Reply START to subscribe again."),
    Field("opt_in_keywords", _l("Opt-in keywords"), kind="textarea", default=DEFAULT_OPT_IN),
    Field("opt_in_reply", _l("Reply to an opt-in"), kind="textarea", max_length=300,
          default="You are subscribed again. Reply STOP to unsubscribe."),
    Field("help_keywords", _l("Help keywords"), kind="textarea", default=DEFAULT_HELP),
    Field("help_reply", _l("Reply to help"), kind="textarea", max_length=300,
          default="Reply STOP to unsubscribe."),
    Field("reply_window_days", _l("Replies belong to a program for (days)"), kind="number", default=7,
          help=_l("A received message is linked to the last program that messaged the sender within this time.")),
)


def keyword_list(value):
    """The keywords of a comma- or newline-separated setting."""
    return [part.strip() for part in (value or "").replace("\n", ",").replace("،", ",").split(",") if part.strip()]


def callback_url(settings, gateway, name, message_id=None):
    """The URL a gateway calls for callback `name` of `gateway`; "" without a public address."""
    base = ((settings or {}).get("public_url") or "").rstrip("/")
    if not base:
        return ""
    query = {"secret": gateway.secret}
    if message_id:
        query["message"] = message_id
    return f"{base}/sms/gateways/{gateway.id}/{name}?{urlencode(query)}"
