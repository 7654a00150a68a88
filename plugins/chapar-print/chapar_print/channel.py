"""The `print` channel: what the letter composer asks for, and rendering one PDF per recipient into
the program's batch folder (store.py), where the batch page offers the merged PDF, labels and manifest."""
import datetime
import hashlib
import json
import logging
import threading
from collections import OrderedDict

from chapar import Channel, Estimate, Field, SendResult, channel_settings
from flask_babel import lazy_gettext as _l

from .cups import check_printer, printer_from_settings, settings_errors
from .layouts import PAGE_SIZES, WINDOWS
from .letters import MAX_BODY, LetterError, number, render_letter
from .logo import current_logo, logo_folder
from .qr_links import save_target, tracked_qr_url
from .store import letter_path, test_letter_path, write_atomically

log = logging.getLogger(__name__)
SETTINGS_USED = ("sender_name", "return_address", "letterhead", "public_url")  # what changes a letter's look
# Letters estimate() rendered, for send() to write: key -> (pages, pdf). Per process (the core makes
# a channel object per lookup), a few batches' worth at most.
_CACHE = OrderedDict()
_LOCK = threading.Lock()


class PrintChannel(Channel):
    identifier = "print"
    label = _l("Print (letters)")
    description = _l("Personalised letters as PDF for window envelopes, with a merged print file, "
                     "address labels and a mailing manifest.")
    capabilities = frozenset({"attachments"})
    address = "postal"
    cost_unit = "page"
    cost_unit_label = _l("page")
    # A letter is "sent" once its PDF is made; the printer and the post move it on (printed, mailed).
    sent_label = _l("Rendered")
    content_fields = (
        Field("body", _l("Letter"), kind="html", required=True, template=True, max_length=MAX_BODY,
              help=_l("The letter's text; merge tags work, e.g. {{ contact.first_name }}. The address block, "
                      "date and letterhead are added for you.")),
        Field("page_size", _l("Page size"), kind="select", default="A4",
              choices=tuple((value, label) for value, (_w, _h, label) in PAGE_SIZES.items())),
        Field("address_window", _l("Envelope window"), kind="select", default="din-b",
              choices=tuple((value, label) for value, (_box, label) in WINDOWS.items()),
              help=_l("Where the address is printed so it shows through the envelope's window.")),
        Field("margins", _l("Margins (mm)"), kind="number", default=20),
        Field("duplex", _l("Print on both sides"), kind="checkbox", default=False,
              help=_l("In the merged file every letter then starts on a new sheet.")),
        Field("qr_url", _l("QR code link"), template=True, max_length=1000,
              help=_l("Optional personalised link printed as a QR code, e.g. https://shop.example/r/{{ links.ref }} "
                      "({{ links.ref }} names this letter, so a visit can be traced back to it).")),
        Field("persian_digits", _l("Persian digits"), kind="checkbox", default=False),
        Field("direction", _l("Text direction"), kind="select", default="auto",
              choices=(("auto", _l("From the language")), ("ltr", _l("Left to right")), ("rtl", _l("Right to left")))),
    )
    settings_fields = (
        Field("sender_name", _l("Sender name"), max_length=200,
              help=_l("Printed small above the recipient's address, with the return address.")),
        Field("return_address", _l("Return address"), kind="textarea", max_length=500),
        Field("letterhead", _l("Letterhead"), kind="textarea", max_length=1000,
              help=_l("Lines at the top of every letter; the first is printed large.")),
        Field("public_url", _l("Public address"), kind="url", max_length=200,
              help=_l("Chapar's address on the internet, e.g. https://chapar.example. QR codes then lead through it, "
                      "so each scan is counted as a click on that letter. Empty: CHAPAR_PUBLIC_URL, else the QR code "
                      "holds the link itself and scans are not counted.")),
        Field("postage", _l("Postage per letter"), kind="number", default=0,
              help=_l("Added to each letter's cost; the cost per page is set on the program.")),
        Field("cups_server", _l("CUPS print server"), max_length=260,
              help=_l("host or host:port (631 if not given), e.g. print.example:631. Empty: no printing, the "
                      "letters are offered for download.")),
        Field("cups_queue", _l("Printer queue"), max_length=127,
              help=_l("The printer's name on the CUPS server; a finished batch is sent to it as one job.")),
        Field("cups_user", _l("CUPS user name"), max_length=64,
              help=_l("Optional: the user the jobs are submitted as (\"chapar\" if empty).")),
    )
    html_fields = ("body",)
    template_links = ("ref",)
    batch_size = 20
    # A letter is a file named by its message id: rendering it twice gives the same file once.
    idempotent = True

    def cost_per_piece(self, settings):
        return max(number((settings or {}).get("postage"), 0), 0)

    def normalize_address(self, address, settings):
        return address.strip(), "" if address.strip() else "no_address"

    def links(self, message, settings):
        """`links.ref`: the letter's reference (chapar-<message id>), for personalised QR links."""
        return {"ref": message.idempotency_key}

    def validate_content(self, content):
        margins = content.get("margins")
        if margins not in (None, "") and not 5 <= number(margins, -1) <= 60:
            return {"margins": _l("Between 5 and 60 mm, please.")}
        return {}

    def validate_settings(self, settings):
        return settings_errors(settings)

    def test_connection(self, settings):
        """The printer's state as CUPS reports it ("idle", "stopped: paper jam" …)."""
        printer = printer_from_settings(settings)
        if printer is None:
            return str(_l("No CUPS server set: letters are offered for download."))
        state = check_printer(printer)  # CupsError says what is wrong
        detail = state["message"] or ", ".join(r for r in state["reasons"] if r != "none")
        return f"{printer.queue}: {state['state']}" + (f" ({detail})" if detail else "")

    def estimate(self, message):
        """The pages of the letter as it will be printed: rendered once per distinct letter (the
        composer's counter and send() reuse it)."""
        try:
            pages = self._rendered(message, _settings())[0]
        except LetterError as exc:
            return Estimate(units=1, warnings=(str(exc),))
        return Estimate(units=pages, facts=((_l("Pages"), pages),))

    def send(self, batch, settings):
        results = []
        for message in batch:
            try:
                pages, pdf = self._rendered(message, settings or {}, keep=False)
            except LetterError as exc:
                results.append(SendResult.permanent(message.id, f"letter: {exc}"))
                continue
            except Exception as exc:
                log.exception("letter %s could not be rendered", message.id)
                results.append(SendResult.permanent(message.id, f"letter could not be rendered: {exc}"))
                continue
            # Message id 0 is the composer's test: kept apart, never part of the batch.
            path = letter_path(message.program_id, message.id) if message.id else test_letter_path(message.program_id)
            target = (message.content.get("qr_url") or "").strip()
            if message.id and tracked_qr_url(message.id, target, settings or {}) != target:
                save_target(message.program_id, message.id, target)  # before the letter: a scan finds it
            write_atomically(path, lambda handle, pdf=pdf: handle.write(pdf))
            results.append(SendResult.accepted(message.id, provider_id=f"print-{message.id or 'test'}", units=pages))
        return results

    def _rendered(self, message, settings, keep=True):
        """(pages, pdf bytes), from the small cache or rendered now; `keep=False` takes it out."""
        logo = current_logo()
        key = _key(message, settings, logo)
        with _LOCK:
            found = _CACHE.pop(key, None) if not keep else _CACHE.get(key)
        if found is None:
            content = message.content
            if content.get("qr_url"):
                content = {**content, "qr_code_url": tracked_qr_url(message.id, content["qr_url"].strip(), settings)}
            pdf, pages = render_letter(content, message.address, settings, message.language,
                                       logo=logo_folder() / logo if logo else None)
            found = (pages, pdf)
            if keep:
                with _LOCK:
                    _CACHE[key] = found
                    while len(_CACHE) > 2 * self.batch_size:  # memory stays bounded
                        _CACHE.popitem(last=False)
        return found


def _settings():
    try:
        return channel_settings("print")
    except RuntimeError:  # no app context: the look without sender and letterhead
        return {}


def _key(message, settings, logo):
    """What makes two letters the same PDF (the date included: a letter says when it was written;
    the message id too: its QR code is its own)."""
    data = [message.id, message.content, message.address, message.language, [settings.get(k) for k in SETTINGS_USED],
            logo, datetime.date.today().isoformat()]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
