"""The fax channel's settings (one generic page renders them) and the callback URLs transports call."""
from urllib.parse import urlencode

from chapar import Field
from flask_babel import lazy_gettext as _l

PAGE_SIZE_CHOICES = (("A4", "A4"), ("Letter", "Letter"))

SETTINGS_FIELDS = (
    Field("public_url", _l("Public address of Chapar"), kind="url",
          help=_l("Where fax services send status reports and received faxes, e.g. https://chapar.example.com")),
    Field("default_region", _l("Default country"), default="IR", max_length=2,
          help=_l("Two letters (IR, DE, US): fax numbers written without a country code are read as this "
                  "country's.")),
    Field("page_size", _l("Default page size"), kind="select", default="A4", choices=PAGE_SIZE_CHOICES),
    Field("compression", _l("TIFF compression"), kind="select", default="g4",
          choices=(("g4", _l("G4 (smaller, most services)")), ("g3", _l("G3 (older fax machines)"))),
          help=_l("For transports that take a fax image rather than a PDF.")),
)


def callback_url(settings, line, name):
    """The URL a transport calls for callback `name` of `line`; "" without a public address."""
    base = ((settings or {}).get("public_url") or "").rstrip("/")
    if not base:
        return ""
    return f"{base}/fax/lines/{line.id}/{name}?{urlencode({'secret': line.secret})}"
