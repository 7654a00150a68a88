"""The transport contract: what a way of delivering faxes implements (HylaFAX, email-to-fax, HTTP API).

One instance per configured fax line and worker process (transports/registry.py keeps them), so a
transport may hold a connection open between batches. It is rebuilt when an admin saves the line.

A fax is slow and asynchronous: `submit` hands the document over and returns the transport's job
id; the outcome (sent, busy, no answer, failed) arrives later through `poll` or a callback. The
plugin turns those into the message's status and, for busy and no answer, submits again with
backoff (faxes.py) up to the line's number of tries.
"""
from dataclasses import dataclass

OUTCOMES = ("delivered", "busy", "no_answer", "failed", "pending")


class TransportError(Exception):
    """The transport could not be reached or refused the whole batch: every message is retried."""


@dataclass(frozen=True)
class FaxDocument:
    """One rendered fax to hand to a transport."""

    message_id: int
    to: str  # E.164, with the +
    pdf_path: str  # the rendered document
    tiff_path: str  # the same as a fax TIFF (G3/G4, 204x196 dpi) when the transport wants "tiff", else ""
    pages: int
    sender: str  # our fax number or station id, from the line; "" for the transport's default
    attempt: int = 1  # 1 for the first submission, 2+ when busy / no answer made us try again

    @property
    def reference(self):
        """Our idempotency key toward the transport."""
        return f"chapar-{self.message_id}-{self.attempt}"


@dataclass(frozen=True)
class FaxStatus:
    """What the transport says happened to one submitted fax."""

    provider_id: str  # the transport's job id, as returned in SendResult.provider_id
    outcome: str  # one of OUTCOMES
    reason: str = ""  # for people: "busy", "no carrier", the remote's error
    pages: int | None = None  # pages actually transmitted, when known


class FaxTransport:
    """Subclass, set the attributes, implement `submit`. `line` is the saved FaxLine row:
    `line.settings` holds the values of `settings_fields`, `line.sender` our fax number."""

    kind = ""  # stable identifier stored on the line row: "hylafax", "email", "http"
    label = ""
    description = ""
    wants = "pdf"  # "pdf" or "tiff": which file the channel prepares for `submit`
    settings_fields = ()  # chapar.Field items; the line form shows them
    secret_fields = ()  # names among settings_fields never rendered back into the form
    # Callback names this kind answers on /fax/lines/<id>/<name> (with the line's secret).
    callbacks = ()
    # True when the transport reports outcomes only when asked: `poll` is called periodically.
    polls = False

    def __init__(self, line):
        self.line = line

    @property
    def settings(self):
        return self.line.settings

    def validate_settings(self, settings):
        """Extra checks on the line form's values: {field: message}."""
        return {}

    def submit(self, documents):
        """Hand a list of FaxDocument to the transport; return one chapar.SendResult per document
        (keyed by message_id): accepted with the transport's job id as provider_id and units=pages,
        transient (busy right away, throttled) with retry_after, or permanent (refused number).

        Raise TransportError when the transport is unreachable: the whole batch is retried."""
        raise NotImplementedError

    def poll(self, provider_ids):
        """Return a FaxStatus for each of `provider_ids` (jobs not final yet) whose state is known.
        Called about every CHAPAR_FAX_POLL_SECONDS when `polls` is true."""
        return []

    def callback(self, name, request):
        """Answer the transport's call to callback `name` (a status report, an inbound fax).

        Call chapar_fax.faxes.report(line, [FaxStatus]) and chapar_fax.inbound.received_fax(...);
        return what the caller expects: a Flask response or (body, status)."""
        return "unknown callback", 404

    def test_connection(self):
        """Check the transport; return a line for people (what it answered). Raise TransportError."""
        return ""

    def close(self):
        """Release connections: the line was changed or the worker is stopping."""
