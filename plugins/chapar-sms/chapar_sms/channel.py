"""The `sms` channel: the composer's one text field, segment-aware estimates, numbers normalised
at launch, and sending through the program's gateway."""
from chapar import Channel, Estimate, Field, SendResult
from flask_babel import lazy_gettext as _l

from . import encoding, numbers
from .gateway_forms import GATEWAYS
from .gateways import SmsGateway, sending_gateway
from .providers.base import Submission
from .providers.registry import provider_for
from .settings import SETTINGS_FIELDS, callback_url

ENCODING_LABELS = {"gsm7": _l("GSM 7-bit"), "ucs2": _l("UCS-2 (Unicode)")}
# The estimate's labels, made once: the worker estimates every message it sends.
CHARACTERS, ENCODING, SEGMENTS = _l("Characters"), _l("Encoding"), _l("Segments")
MAX_SEGMENTS = 10  # what the composer promises; most gateways and phones handle no more


class SmsChannel(Channel):
    identifier = "sms"
    label = _l("SMS")
    description = _l("Text messages through your SMS gateways: Kannel, SMPP or an HTTP API.")
    capabilities = frozenset({"delivery_receipts", "two_way"})
    address = "mobile"
    cost_unit = "SMS segment"
    cost_unit_label = _l("SMS segment")
    content_fields = (
        Field("text", _l("Message"), kind="textarea", required=True, template=True, max_length=1530,
              help=_l("Up to 10 segments. One Persian letter or emoji makes the whole message UCS-2 "
                      "(70 characters a segment instead of 160).")),
    )
    settings_fields = SETTINGS_FIELDS
    batch_size = 250

    @property
    def idempotent(self):
        return False  # per gateway it may differ; a dead worker's batch is never sent twice

    def providers(self, settings):
        """The gateways, by id, the default first."""
        return GATEWAYS.choices()

    def rate_per_second(self, settings, provider=""):
        return GATEWAYS.rate_per_second(provider) or super().rate_per_second(settings, provider)

    def validate_content(self, content):
        """At most MAX_SEGMENTS segments: 1,530 characters hold 10 GSM segments but 22 in UCS-2, so
        the field's length alone does not keep a Persian message to its promise."""
        counted = encoding.count(content.get("text") or "")
        if counted.segments > MAX_SEGMENTS:
            return {"text": str(_l("This message takes %(segments)s segments; at most %(most)s are sent as one SMS. "
                                   "Shorten it (in UCS-2 a segment holds 67 characters).",
                                   segments=counted.segments, most=MAX_SEGMENTS))}
        return {}

    def normalize_address(self, address, settings):
        return numbers.for_sending(address, settings.get("default_region") or "")

    def estimate(self, message):
        counted = encoding.count(message.content.get("text") or "")
        warnings = ()
        if counted.forced_by:
            warnings = (str(_l("“%(chars)s” makes the whole message UCS-2: 70 characters a segment instead "
                               "of 160.", chars=" ".join(counted.forced_by))),)
        facts = ((CHARACTERS, counted.characters), (ENCODING, ENCODING_LABELS[counted.encoding]),
                 (SEGMENTS, counted.segments))
        return Estimate(units=counted.segments, warnings=warnings, facts=facts)

    def send(self, batch, settings):
        gateway = sending_gateway(batch[0].provider)
        if gateway is None:
            raise LookupError("no SMS gateway: add one under SMS gateways")
        provider = provider_for(gateway)
        submissions = []
        for message in batch:
            text = message.content.get("text") or ""
            counted = encoding.count(text)  # cached since estimate() counted it (lru_cache)
            submissions.append(Submission(
                message_id=message.id, to=message.address, text=text, sender=gateway.sender,
                encoding=counted.encoding, segments=counted.segments,
                receipt_url=callback_url(settings, gateway, "receipt", message.id)))
        results = provider.send(submissions)  # a ProviderError: the core retries the whole batch
        if all(r.units or r.outcome != "accepted" for r in results):
            return results
        # A provider that does not count what it sent: the segments estimated are the units.
        segments = {s.message_id: s.segments for s in submissions}
        return [SendResult.accepted(r.message_id, r.provider_id, units=segments.get(r.message_id))
                if r.outcome == "accepted" and not r.units else r for r in results]

    def test_connection(self, settings):
        lines = []
        for gateway in SmsGateway.select().order_by(SmsGateway.name):
            try:
                lines.append(f"{gateway.name}: {provider_for(gateway).test_connection()}")
            except Exception as exc:  # noqa: BLE001 - whatever the gateway said is what the admin must see
                lines.append(f"{gateway.name}: {exc}")
        return "; ".join(lines) or "no SMS gateway yet"
