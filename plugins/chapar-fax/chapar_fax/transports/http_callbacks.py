"""The HTTP fax API's calls to a line: status reports on submitted faxes, and received faxes.

The endpoint (chapar_fax.callbacks) has already checked the line's secret, the body's size and the
caller's rate. Fields come from the query string, a form, or a JSON body (dotted paths for nested
JSON). A report names a job by the API's id and only moves that line's own jobs (faxes.report).
"""
import logging

from chapar import dig_json

from .http_settings import setting

log = logging.getLogger(__name__)


def answer(transport, name, request):
    """What `transport` answers the API's call to callback `name`: (body, status)."""
    if request.method != "POST":
        return "POST expected", 405
    data = None
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, (dict, list)):
            return "malformed JSON", 400
    fields = dict(request.args.items())
    fields.update(request.form.items())
    fields.pop("secret", None)

    def field(name_setting):
        path = setting(transport.settings, name_setting)
        value = dig_json(data, path) if data is not None else None
        value = fields.get(path) if value is None else value
        return "" if value is None or isinstance(value, (dict, list)) else str(value).strip()

    if name == "status":
        return _status(transport, field)
    if name == "received":
        return _received(transport, field, request)
    return "unknown callback", 404


def _status(transport, field):
    # Imported here: faxes and inbound import the transport registry, which loads this module.
    from ..faxes import report
    from ..lines import FaxJob

    job_id = field("job_id_field")[:200]
    if not job_id:
        return "no job id", 400
    status = transport.status_from(job_id, field("status_field"), field("reason_field"), field("pages_field"))
    if status is None:
        return "unknown status ignored", 200  # a 4xx would have the API send it again and again
    if report(transport.line, [status]):
        return "OK", 200
    known = FaxJob.select().where((FaxJob.line == transport.line) & (FaxJob.provider_id == job_id)).exists()
    return ("already recorded", 200) if known else ("unknown job", 404)


def _received(transport, field, request):
    from ..inbound import ReceivedFaxError, received_fax
    from ..tiff import FaxImageError, pdf_pages, tiff_to_pdf

    upload = request.files.get(setting(transport.settings, "received_file_field"))
    if upload is None:
        return "no fax file", 400
    sender = field("received_from_field")
    data = upload.read()  # at most the endpoint's 25 MB
    try:
        if data.startswith(b"%PDF-"):
            # Counted, never taken from the caller: counting also proves it is a readable PDF of
            # at most MAX_PAGES pages. The service's own count is only compared, for the log.
            pdf, pages = data, pdf_pages(data)
            if field("received_pages_field") not in ("", str(pages)):
                log.warning("fax line %s: the service said %r pages, the PDF has %s", transport.line.name,
                            field("received_pages_field")[:20], pages)
        else:  # services that pass on the fax machine's image
            pdf, pages = tiff_to_pdf(data)
        inbound = received_fax(transport.line, sender, pdf, pages, provider_id=field("received_id_field"))
    except (ReceivedFaxError, FaxImageError) as exc:
        return str(exc), 400
    log.info("fax line %s: received fax %s from %r", transport.line.name, inbound.id, sender)
    return "OK", 200
