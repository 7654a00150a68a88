"""The channel contract: what a plugin implements to add a medium (email, SMS, fax, print…).

A channel is a class registered through the `register_channels` hook. The core snapshots the
audience, renders every message's template fields per contact and hands the channel batches of
OutgoingMessage; the channel answers with one SendResult per message. docs/plugin-hooks.md has a
complete minimal channel.
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

CAPABILITIES = ("two_way", "delivery_receipts", "tracking", "attachments")
# Which contact attribute a channel delivers to, and the consent column it obeys.
ADDRESS_KINDS = {"email": "email", "mobile": "sms", "fax": "fax", "postal": "print"}
OUTCOMES = ("accepted", "transient", "permanent", "uncertain")


@dataclass(frozen=True)
class OutgoingMessage:
    """A message ready to send: `content` holds the rendered template fields (field -> text)."""

    id: int
    program_id: int
    contact_id: int | None
    address: str
    content: dict
    language: str = ""
    attempt: int = 1
    provider: str = ""

    @property
    def idempotency_key(self):
        """Send this to the provider (Message-ID, SMS reference) so a retried send is not doubled."""
        return f"chapar-{self.id}"


@dataclass(frozen=True)
class SendResult:
    message_id: int
    outcome: str  # one of OUTCOMES
    provider_id: str = ""
    error: str = ""  # why it failed, for people
    units: int | None = None  # billable units actually used (SMS segments, pages); None: as estimated
    retry_after: float | None = None  # seconds the provider asked us to wait (transient only)

    @classmethod
    def accepted(cls, message_id, provider_id="", units=None):
        return cls(message_id, "accepted", provider_id=str(provider_id), units=units)

    @classmethod
    def transient(cls, message_id, error, retry_after=None):
        return cls(message_id, "transient", error=str(error), retry_after=retry_after)

    @classmethod
    def permanent(cls, message_id, error):
        return cls(message_id, "permanent", error=str(error))

    @classmethod
    def uncertain(cls, message_id, error):
        """The provider may or may not have it (a connection dropped after the data was sent):
        final, never sent again, so a customer never gets it twice."""
        return cls(message_id, "uncertain", error=str(error))


@dataclass(frozen=True)
class Estimate:
    """What one message will cost in the channel's units (SMS segments, pages), with warnings
    for the composer ("one character forces UCS-2")."""

    units: int = 1
    warnings: tuple = field(default_factory=tuple)
    facts: tuple = field(default_factory=tuple)  # (label, value) pairs the composer shows: characters, encoding


class Channel:
    """Subclass and set the attributes; override `send` (and optionally the other methods).

    Instances are created once per process; keep no per-program state on them. `settings` is
    the dict an admin saved on the channel's settings page (secrets included).

    `cost_unit` is the unit's stable English name, which the API returns whatever the caller's language;
    `cost_unit_label` is the same unit as the web UI shows it to people: set it to a lazy translation
    (`_l("SMS segment")`) beside `cost_unit`. It must read well in "Cost per …" and "12 × …".
    """

    identifier = ""  # lower-case, stable: used in queue names, URLs and stored rows
    label = ""  # shown to people; may be a lazy translation
    description = ""
    capabilities = frozenset()  # a subset of CAPABILITIES
    address = "email"  # a key of ADDRESS_KINDS: which contact address it delivers to
    cost_unit = "message"  # what a unit is, in English, as the API gives it: "email", "SMS segment", "page"
    content_fields = ()  # Field items the composer shows; `template=True` ones take merge tags
    settings_fields = ()  # Field items the settings page shows
    template_links = ()  # names the channel fills under `links` in merge tags ("unsubscribe")
    html_fields = ()  # content fields rendered with HTML autoescaping
    batch_size = 100  # messages per send() call
    sent_label = None  # what "sent" means to people on this channel when not "Sent": "Rendered" for letters
    # True when the provider deduplicates on OutgoingMessage.idempotency_key, so a batch whose
    # worker died mid-send may be sent again. Otherwise such messages become "uncertain".
    idempotent = False
    default_rate_per_second = None  # the provider's limit when settings do not say

    @property
    def cost_unit_label(self):
        """The unit for people, in their language. A subclass sets it as a plain attribute to a lazy
        translation; unset, the default unit is translated and any other `cost_unit` shown as it is."""
        return _l("message") if self.cost_unit == Channel.cost_unit else self.cost_unit

    @property
    def consent_channel(self):
        return ADDRESS_KINDS[self.address]

    def providers(self, settings):
        """(value, label) pairs a program may pick from (sender identities, gateways); () if one."""
        return ()

    def rate_per_second(self, settings, provider=""):
        """The most messages per second the provider accepts; None for no limit."""
        value = settings.get("rate_per_second") if settings else None
        return float(value) if value else self.default_rate_per_second

    def normalize_address(self, address, settings):
        """(address as the channel sends to it, skip reason or "") for a contact's address at launch.

        Reasons the core knows: "invalid_address", "not_mobile". Addresses are deduplicated after
        this, so two spellings of one number reach the person once."""
        return address, ""

    def cost_per_piece(self, settings):
        """What every message costs besides its units × the program's cost per unit: postage for a
        printed letter. A number; 0 by default."""
        return 0

    def validate_content(self, content):
        """Extra checks on the composer's values: {field: message}; the core checks required,
        length and merge-tag syntax itself."""
        return {}

    def validate_settings(self, settings):
        """Extra checks on the settings form: {field: message}."""
        return {}

    def links(self, message, settings):
        """Values for the names in `template_links`, for this message: {"unsubscribe": url}."""
        return {}

    def estimate(self, message):
        """Estimate units for an OutgoingMessage with rendered content; one unit by default."""
        return Estimate(units=1)

    def send(self, batch, settings):
        """Send a list of OutgoingMessage; return one SendResult per message, in any order.

        Raise only for a failure of the whole batch (the connection is down): every message is
        then retried as a transient failure. Never block longer than about a minute.
        """
        raise NotImplementedError

    def test_connection(self, settings):
        """Check the settings against the provider; return a line for people (the server's reply)."""
        return ""
