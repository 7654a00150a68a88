"""The http provider (to be written)."""
from ..providers.base import SmsProvider
from .registry import hookimpl


class HttpProvider(SmsProvider):
    kind = "http"
    label = "Http"


@hookimpl
def register_sms_providers():
    """The built-in http kind."""
    return [HttpProvider]
