"""The `fax` channel: what the fax composer asks for, numbers normalised to E.164 at launch, and
sending through the program's fax line (outgoing.py). Cost is pages × the program's cost per unit."""
import tempfile
from pathlib import Path

from chapar import Channel, Estimate, Field, channel_settings
from flask_babel import lazy_gettext as _l

from . import numbers
from .document import MAX_BODY, FaxDocumentError, render_fax
from .line_forms import LINES
from .lines import FaxLine, line_for
from .outgoing import send_batch
from .settings import PAGE_SIZE_CHOICES, SETTINGS_FIELDS
from .tiff import FaxImageError
from .transports.registry import transport_for


class FaxChannel(Channel):
    identifier = "fax"
    label = _l("Fax")
    description = _l("Personalised faxes through your fax lines: a HylaFAX server, an email-to-fax gateway "
                     "or a fax service's HTTP API.")
    capabilities = frozenset({"delivery_receipts", "two_way", "attachments"})
    address = "fax"
    cost_unit = "page"
    cost_unit_label = _l("page")
    content_fields = (
        Field("subject", _l("Subject"), template=True, max_length=200,
              help=_l("Printed large at the top of the first page.")),
        Field("body", _l("Fax"), kind="html", required=True, template=True, max_length=MAX_BODY,
              help=_l("The fax's text; merge tags work, e.g. {{ contact.first_name }}. A header line with "
                      "the numbers, the date and the page number is added to every page.")),
        Field("page_size", _l("Page size"), kind="select", default="A4", choices=PAGE_SIZE_CHOICES),
    )
    html_fields = ("body",)
    settings_fields = SETTINGS_FIELDS
    batch_size = 20
    # Whether a transport drops a fax it already has differs per transport: never fax twice.
    idempotent = False

    def providers(self, settings):
        """The fax lines, by id, the default first."""
        return LINES.choices()

    def rate_per_second(self, settings, provider=""):
        return LINES.rate_per_second(provider) or super().rate_per_second(settings, provider)

    def normalize_address(self, address, settings):
        try:
            return numbers.e164(address, settings.get("default_region") or ""), ""
        except ValueError:
            return address, "invalid_address"

    def estimate(self, message):
        """The composer's preview (message id 0) is rendered to count its pages; a message being sent
        counts one page here, and its real pages when it is rendered (SendResult.units)."""
        if message.id:
            return Estimate(units=1, facts=((_l("Pages"), _l("counted when rendered")),))
        with tempfile.TemporaryDirectory(prefix="chapar-fax-") as folder:
            try:
                pages = render_fax(message.content, message.address or "+10000000000", "", Path(folder) / "fax.pdf",
                                   message.language, _settings().get("page_size") or "A4")
            except (FaxDocumentError, FaxImageError) as exc:
                return Estimate(units=1, warnings=(str(exc),))
        return Estimate(units=pages, facts=((_l("Pages"), pages),))

    def send(self, batch, settings):
        line = line_for(batch[0].provider)
        if line is None:
            raise LookupError("no fax line: add one under Fax lines")
        return send_batch(batch, line, settings or {})

    def test_connection(self, settings):
        lines = []
        for line in FaxLine.select().order_by(FaxLine.name):
            try:
                lines.append(f"{line.name}: {transport_for(line).test_connection()}")
            except Exception as exc:  # noqa: BLE001 - whatever the transport said is what the admin must see
                lines.append(f"{line.name}: {exc}")
        return "; ".join(lines) or "no fax line yet"


def _settings():
    try:
        return channel_settings("fax")
    except RuntimeError:  # no app context
        return {}
