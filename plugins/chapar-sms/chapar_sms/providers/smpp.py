"""The smpp provider (to be written)."""
from ..providers.base import SmsProvider
from .registry import hookimpl


class SmppProvider(SmsProvider):
    kind = "smpp"
    label = "Smpp"


@hookimpl
def register_sms_providers():
    """The built-in smpp kind."""
    return [SmppProvider]
