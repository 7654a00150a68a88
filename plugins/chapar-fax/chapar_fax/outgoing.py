"""Preparing and submitting faxes: render a message to PDF (and TIFF when the transport wants it),
hand the documents to the line's transport, and record a FaxJob for each one it accepted.

Used by the channel for first submissions and by faxes.py for retries after busy or no answer; a
retry reuses the files made the first time, so the recipient gets the same fax.
"""
import logging
import os

from chapar import SendResult, utcnow

from .document import FaxDocumentError, render_fax
from .lines import FaxJob
from .store import sent_paths, temporary_path
from .tiff import FaxImageError, pdf_to_fax_tiff
from .transports.base import FaxDocument
from .transports.registry import transport_for

log = logging.getLogger(__name__)


def render(message, line, settings):
    """Make `message`'s (an OutgoingMessage) files; returns (pdf path, tiff path or "", pages)."""
    pdf_path, tiff_path = sent_paths(message.program_id, message.id)
    temporary = temporary_path(pdf_path)
    try:
        pages = render_fax(message.content, message.address, line.sender, temporary, message.language,
                           settings.get("page_size") or "A4")
        os.replace(temporary, pdf_path)
    finally:
        temporary.unlink(missing_ok=True)
    return str(pdf_path), image_for(pdf_path, tiff_path, line, settings), pages


def image_for(pdf_path, tiff_path, line, settings):
    """The fax TIFF of `pdf_path` when the line's transport wants one ("" otherwise), made once."""
    if transport_for(line).wants != "tiff":
        return ""
    if not os.path.exists(tiff_path):
        temporary = temporary_path(tiff_path)
        try:
            pdf_to_fax_tiff(pdf_path, temporary, settings.get("compression") or "g4")
            os.replace(temporary, tiff_path)
        finally:
            temporary.unlink(missing_ok=True)
    return str(tiff_path)


def send_batch(batch, line, settings):
    """Render and submit a batch of OutgoingMessage through `line`: one SendResult per message.
    A TransportError from the transport propagates (the core retries the whole batch)."""
    results, documents = [], []
    for message in batch:
        try:
            pdf, tiff, pages = render(message, line, settings)
        except (FaxDocumentError, FaxImageError) as exc:
            results.append(SendResult.permanent(message.id, f"fax: {exc}"))
            continue
        documents.append(FaxDocument(message_id=message.id, to=message.address, pdf_path=pdf, tiff_path=tiff,
                                     pages=pages, sender=line.sender, attempt=1))
    if documents:
        results += submit(line, documents)
    return results


def submit(line, documents):
    """Hand FaxDocuments to the line's transport; record a pending FaxJob per accepted one. Returns
    the transport's SendResults, accepted ones with units = pages."""
    pages = {d.message_id: d.pages for d in documents}
    attempts = {d.message_id: d.attempt for d in documents}
    answered = transport_for(line).submit(documents)
    results = []
    for result in answered:
        if result.outcome == "accepted":
            if result.message_id:  # 0: a test fax, outside any program
                FaxJob.create(message=result.message_id, line=line, provider_id=str(result.provider_id)[:200],
                              attempt=attempts.get(result.message_id, 1), pages=pages.get(result.message_id),
                              created_at=utcnow(), updated_at=utcnow())
            result = SendResult.accepted(result.message_id, result.provider_id,
                                         units=result.units or pages.get(result.message_id))
        results.append(result)
    missing = set(pages) - {r.message_id for r in results}
    if missing:  # a transport that forgot some: they may or may not have gone out
        log.error("fax line %s: the transport answered nothing for messages %s", line.name, sorted(missing))
        results += [SendResult.uncertain(m, "the fax transport gave no answer for it") for m in sorted(missing)]
    return results
