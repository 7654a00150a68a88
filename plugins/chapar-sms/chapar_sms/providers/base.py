"""The provider contract: what a kind of SMS gateway implements (see providers/kannel.py).

One instance per configured gateway and worker process (providers/registry.py keeps them), so a
provider may hold a connection open between batches (an SMPP bind). It is rebuilt when an
admin saves the gateway.
"""
from dataclasses import dataclass


class ProviderError(Exception):
    """The gateway could not be reached or refused the whole batch: every message is retried."""


@dataclass(frozen=True)
class Submission:
    """One SMS to hand to a gateway."""

    message_id: int  # Message.id; 0 for a reply outside any program (a keyword's answer)
    to: str  # E.164, with the +
    text: str
    sender: str  # sender id or short code; "" for the gateway's default
    encoding: str  # "gsm7" or "ucs2" (see encoding.py)
    segments: int
    receipt_url: str = ""  # where the gateway reports delivery of this message ("" when it cannot)

    @property
    def reference(self):
        """Our idempotency key toward the gateway."""
        return f"chapar-{self.message_id}" if self.message_id else ""


class SmsProvider:
    """Subclass, set the attributes, implement `send`. `gateway` is the saved SmsGateway row:
    `gateway.settings` holds the values of `settings_fields`, `gateway.sender` the sender id."""

    kind = ""  # stable identifier stored on the gateway row: "kannel", "smpp", "http"
    label = ""
    description = ""
    settings_fields = ()  # chapar.Field items; the gateway form shows them
    # True when the gateway drops a second submission with the same reference, so a batch whose
    # worker died mid-send may be sent again; otherwise such messages become "uncertain".
    idempotent = False
    # Callback names this kind answers on /sms/gateways/<id>/<name> (with the gateway's secret).
    callbacks = ()

    def __init__(self, gateway):
        self.gateway = gateway
        self._settings = gateway.settings  # parsed once: a provider is rebuilt when its gateway is saved

    @property
    def settings(self):
        return self._settings

    def validate_settings(self, settings):
        """Extra checks on the gateway form's values: {field: message}."""
        return {}

    def send(self, submissions):
        """Hand a list of Submission to the gateway; return one chapar.SendResult per submission
        (keyed by message_id), with the gateway's message id as provider_id when it gives one.

        Raise ProviderError when the gateway is unreachable: the whole batch is retried."""
        raise NotImplementedError

    def callback(self, name, request):
        """Answer the gateway's call to callback `name` (a delivery report, an inbound message).

        Call chapar_sms.receipts.receipt() and chapar_sms.inbound.received(); return what the
        gateway expects back: a Flask response or (body, status)."""
        return "unknown callback", 404

    def poll(self):
        """Called by a job about every CHAPAR_SMS_POLL_SECONDS for kinds that must fetch receipts
        and inbound messages themselves (an SMPP bind); return nothing."""

    def test_connection(self):
        """Check the gateway; return a line for people (what it answered). Raise ProviderError."""
        return ""

    def close(self):
        """Release connections: the gateway was changed or the worker is stopping."""
