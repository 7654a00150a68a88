"""Received faxes, from any transport: the PDF kept in the plugin's folder, matched to the contact
by fax number (any spelling; a sender that is no valid number, such as a station id, matches no
one) and to the last program that faxed that number, and recorded as an
InboundMessage (channel "fax") whose data holds the stored file's name and the pages.

A transport may report one fax twice (a retried webhook): the same provider_id on the same line
gives back the first record, and the second copy of the file is not kept.
"""
import json
import logging

from chapar import (
    Contact,
    InboundMessage,
    Message,
    Program,
    channel_settings,
    record_inbound,
)
from flask_babel import gettext as _

from . import numbers
from .store import store_received

log = logging.getLogger(__name__)
MAX_PDF_BYTES = 25 * 1024 * 1024


class ReceivedFaxError(ValueError):
    """A received fax that cannot be kept; the message says why."""


def last_fax_to(number):
    """The most recent fax Message sent to `number` (E.164), or None."""
    return (Message.select().join(Program)
            .where((Program.channel == "fax") & (Message.address == number) & Message.sent_at.is_null(False))
            .order_by(Message.sent_at.desc(), Message.id.desc()).first())


def contact_for(number, region, message=None):
    """The contact the matched fax went to, else one whose fax is any spelling of `number`."""
    if message is not None and message.contact_id:
        found = Contact.get_or_none(Contact.id == message.contact_id)
        if found is not None:
            return found
    return Contact.select().where(Contact.fax.in_(numbers.stored_forms(number, region))).order_by(Contact.id).first()


def received_fax(line, sender, pdf_bytes, pages, provider_id="", received_at=None):
    """Keep one received fax (`pdf_bytes`, a PDF of `pages` pages) sent from `sender` to `line`;
    returns the InboundMessage. Raises ReceivedFaxError for what is not a PDF or too large."""
    if not pdf_bytes.startswith(b"%PDF-"):
        raise ReceivedFaxError("a received fax must be a PDF")
    if len(pdf_bytes) > MAX_PDF_BYTES:
        raise ReceivedFaxError(f"a received fax may be at most {MAX_PDF_BYTES // (1024 * 1024)} MB")
    provider_id = str(provider_id or "").replace("\0", "")[:200]
    if provider_id:
        for seen in InboundMessage.select().where((InboundMessage.channel == "fax")
                                                  & (InboundMessage.provider_id == provider_id)):
            if seen.data.get("line") == line.id:  # another line's job ids are its own business
                return seen
    region = channel_settings("fax").get("default_region") or ""
    raw = str(sender or "").replace("\0", "").strip()[:320]
    try:
        number = numbers.e164(raw, region)
    except ValueError:
        # A station id ("ACME SALES") or nothing: kept as given, and matched to no one (an empty
        # sender would otherwise match every contact whose fax is empty).
        number, message, contact = raw, None, None
    else:
        message = last_fax_to(number)
        contact = contact_for(number, region, message)
    data = {"file": store_received(pdf_bytes), "pages": int(pages or 0), "line": line.id, "line_name": line.name}
    inbound = record_inbound("fax", number, body=_("Received fax, %(pages)s pages", pages=int(pages or 0)), recipient=line.sender,
                             provider_id=provider_id, contact=contact,
                             program=message.program_id if message else None, message=message, data=data)
    # Where people open it (views.received_pdf): the program's received list links it.
    inbound.data_json = json.dumps({**data, "url": f"/fax/received/{inbound.id}.pdf"}, ensure_ascii=False)
    changes = {InboundMessage.data_json: inbound.data_json}
    if received_at is not None:
        changes[InboundMessage.received_at] = inbound.received_at = received_at
    InboundMessage.update(changes).where(InboundMessage.id == inbound.id).execute()
    return inbound
