"""The generic HTTP fax API's settings: the fields an admin fills in, and their checks.

Templates use chapar.fill_template placeholders; the status words map a provider's vocabulary onto
the transport contract's outcomes (delivered, busy, no_answer, failed, pending).
"""
import re
from urllib.parse import urlsplit

from chapar import (
    Field,
    fill_template,
    parse_headers,
    parse_status_map,
    unknown_placeholders,
    url_escape,
)
from flask_babel import lazy_gettext as _l

from .base import OUTCOMES

SUBMIT_PLACEHOLDERS = ("number", "e164", "sender", "reference", "message_id", "pages", "api_key")
STATUS_PLACEHOLDERS = ("job_id", "api_key")
SAMPLE = {"number": "982188776655", "e164": "+982188776655", "sender": "+982188000000", "reference": "chapar-1-1",
          "message_id": "1", "pages": "1", "api_key": "key", "job_id": "job-1"}
DEFAULT_STATUS_MAP = ("DELIVERED=delivered, SUCCESS=delivered, COMPLETED=delivered, SENT=delivered, BUSY=busy, "
                      "NO_ANSWER=no_answer, NOANSWER=no_answer, FAILED=failed, ERROR=failed, CANCELLED=failed, "
                      "QUEUED=pending, SENDING=pending, PENDING=pending")

SETTINGS_FIELDS = (
    Field("method", _l("Method"), kind="select", default="POST", choices=(("POST", "POST"), ("PUT", "PUT"))),
    Field("url", _l("Upload URL"), required=True, max_length=1000,
          help=_l("Where each fax is uploaded, e.g. https://api.example.com/v1/faxes. Placeholders: {number} "
                  "(982188776655), {e164} (+982188776655), {sender}, {reference}, {message_id}, {pages}, {api_key}.")),
    Field("api_key", _l("API key"), kind="password", secret=True, max_length=500,
          help=_l("Used wherever {api_key} stands.")),
    Field("headers", _l("Headers"), kind="textarea", max_length=2000, default="Authorization: Bearer {api_key}",
          help=_l("One per line, e.g. Authorization: Bearer {api_key}")),
    Field("wants", _l("File to upload"), kind="select", default="pdf",
          choices=(("pdf", "PDF"), ("tiff", _l("Fax TIFF (G3/G4, 204×196 dpi)")))),
    Field("file_field", _l("Upload: file field"), default="file", max_length=100),
    Field("form_fields", _l("Upload: other fields"), kind="textarea", max_length=2000,
          default="to={e164}\nfrom={sender}\nreference={reference}",
          help=_l("One name=value per line, sent with the file.")),
    Field("success", _l("Success check"), max_length=300,
          help=_l("Besides a 2xx status: a JSON path and value such as status=ok, or re:<regular expression> "
                  "the answer must match. Empty: the status alone.")),
    Field("job_id_path", _l("Job id in the answer"), default="id", max_length=300,
          help=_l("A JSON path such as data.id, or re:<regular expression> whose first group is the id.")),
    Field("timeout", _l("Timeout (seconds)"), kind="number", default=30),
    Field("status_url", _l("Status URL"), max_length=1000,
          help=_l("Optional: asked about each fax in progress, e.g. https://api.example.com/v1/faxes/{job_id}. "
                  "Empty: the API reports to this line's status callback instead.")),
    Field("job_id_field", _l("Status: job id field"), default="id", max_length=100),
    Field("status_field", _l("Status: status field"), default="status", max_length=100),
    Field("reason_field", _l("Status: reason field"), default="reason", max_length=100),
    Field("pages_field", _l("Status: pages field"), default="pages", max_length=100),
    Field("status_map", _l("Status words"), kind="textarea", default=DEFAULT_STATUS_MAP, max_length=2000,
          help=_l("The API's word=delivered, busy, no_answer, failed or pending, separated by commas.")),
    Field("received_file_field", _l("Received fax: file field"), default="file", max_length=100),
    Field("received_from_field", _l("Received fax: sender field"), default="from", max_length=100),
    Field("received_id_field", _l("Received fax: id field"), default="id", max_length=100),
    Field("received_pages_field", _l("Received fax: pages field"), default="pages", max_length=100),
)
DEFAULTS = {field.name: field.default for field in SETTINGS_FIELDS}


def setting(settings, name):
    """The saved value of `name`, or its default when left empty."""
    value = settings.get(name)
    return DEFAULTS[name] if value in (None, "") else value


def parse_form_fields(text):
    """[(name, value template)] from "name=value" lines; ValueError naming a bad line."""
    found = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[\w.\[\]-]{1,100}", name.strip()):
            raise ValueError(line.strip())
        found.append((name.strip(), value.strip()))
    return found


def status_words(settings):
    return parse_status_map(setting(settings, "status_map"), OUTCOMES)


def settings_errors(settings):
    """{field: message} for the line form."""
    errors = {}
    values = dict(SAMPLE, api_key=settings.get("api_key") or "key")
    for name, known in (("url", SUBMIT_PLACEHOLDERS), ("headers", SUBMIT_PLACEHOLDERS),
                        ("form_fields", SUBMIT_PLACEHOLDERS), ("status_url", STATUS_PLACEHOLDERS)):
        unknown = unknown_placeholders(settings.get(name), known)
        if unknown:
            errors[name] = str(_l("Unknown placeholder: %(names)s", names=", ".join(unknown)))
    for name in ("url", "status_url"):
        if name in errors or (name == "status_url" and not settings.get(name)):
            continue
        parts = urlsplit(fill_template(settings.get(name), values, url_escape))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors[name] = str(_l("Give an http:// or https:// address."))
        elif name == "status_url" and "{job_id}" not in settings[name]:
            errors[name] = str(_l("Put {job_id} where the API expects the fax's id."))
    for name, parse, words in (("headers", parse_headers, _l("Not a “Name: value” line: %(line)s")),
                               ("form_fields", parse_form_fields, _l("Not a “name=value” line: %(line)s"))):
        try:
            parse(settings.get(name) if settings.get(name) is not None else DEFAULTS[name])
        except ValueError as exc:
            errors.setdefault(name, str(words % {"line": str(exc)}))
    for name in ("success", "job_id_path"):
        rule = settings.get(name) or ""
        if rule.startswith("re:"):
            try:
                re.compile(rule[3:])
            except re.error as exc:
                errors[name] = str(_l("Not a regular expression: %(error)s", error=str(exc)))
    try:
        status_words(settings)
    except ValueError as exc:
        errors["status_map"] = str(_l("Not word=delivered, busy, no_answer, failed or pending: %(entry)s",
                                      entry=str(exc)))
    if (settings.get("wants") or "pdf") not in ("pdf", "tiff"):
        errors["wants"] = str(_l("Choose PDF or TIFF."))
    timeout = settings.get("timeout")
    if timeout not in (None, "") and not (isinstance(timeout, (int, float)) and 0 < timeout <= 300):
        errors["timeout"] = str(_l("A number from 1 to 300."))
    return errors

