"""The kannel provider (to be written)."""
from ..providers.base import SmsProvider
from .registry import hookimpl


class KannelProvider(SmsProvider):
    kind = "kannel"
    label = "Kannel"


@hookimpl
def register_sms_providers():
    """The built-in kannel kind."""
    return [KannelProvider]
