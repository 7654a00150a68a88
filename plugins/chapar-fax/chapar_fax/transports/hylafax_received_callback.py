"""The hylafax transport's "received" callback: a fax HylaFAX received, as posted by the
`chapar-fax-hylafax-received` command (chapar_fax/hylafax_received.py).

The request is multipart/form-data: `fax` the TIFF from HylaFAX's recvq, `sender` the caller's
number (or the remote station id when the caller's number is not known) and `commid` HylaFAX's
communication id, which makes a retried post harmless. The callback endpoint has already checked
the line's secret and the size; here the TIFF becomes a PDF and an InboundMessage.
"""
import logging

from ..inbound import ReceivedFaxError, received_fax
from ..tiff import FaxImageError, tiff_to_pdf

log = logging.getLogger(__name__)
FIELD = "fax"


def receive(line, request):
    """Keep the posted fax: ({"inbound": id, "pages": n}, 200), or (why, 400) for the command to print."""
    upload = request.files.get(FIELD)
    if upload is None:
        return f"no '{FIELD}' file in the request (multipart/form-data)", 400
    sender = request.form.get("sender", "")
    commid = request.form.get("commid", "")
    try:
        pdf, pages = tiff_to_pdf(upload.read())
        inbound = received_fax(line, sender, pdf, pages, provider_id=f"hylafax:{commid}" if commid else "")
    except (FaxImageError, ReceivedFaxError) as exc:
        log.warning("fax line %s: received fax from %r refused: %s", line.name, sender, exc)
        return str(exc), 400
    return {"inbound": inbound.id, "pages": pages}, 200
