"""A generic HTTP fax API, configured in the UI without code, like the SMS plugin's HTTP gateway.

Submitting: each fax is uploaded as multipart/form-data (the PDF or the fax TIFF, as the line
chooses, with extra fields such as the number and our reference) to a URL template with header
templates. A 2xx answer that passes the success rule is accepted, the job id read from the JSON
answer; 429 and 5xx are transient (with the Retry-After asked for); other statuses, and a 2xx
failing the rule, are permanent with the API's words. The API not reached, or not answering in
time, on the first fax of a batch fails the batch (TransportError: every fax is tried again; our
reference goes along so an API that de-duplicates sees the same fax); later in a batch the faxes
already handed over keep their results and the rest are tried again later.

Outcomes: when a status URL is set the line is polled (`polls`), the status word read from the
JSON answer and mapped through the status words; otherwise the API calls the line's "status"
callback. Received faxes come to the "received" callback (http_callbacks.py).
"""
import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

from chapar import (
    ERROR_CHARS,
    SendResult,
    answer_passes,
    dig_json,
    fill_template,
    header_escape,
    id_in_answer,
    parse_headers,
    parse_retry_after,
    url_escape,
)
from flask_babel import lazy_gettext as _l

from . import http_callbacks
from .base import FaxStatus, FaxTransport, TransportError
from .http_request import NotReached, multipart, request
from .http_settings import (
    SETTINGS_FIELDS,
    parse_form_fields,
    setting,
    settings_errors,
    status_words,
)
from .registry import hookimpl

log = logging.getLogger(__name__)
FILE_TYPES = {"pdf": "application/pdf", "tiff": "image/tiff"}


class HttpTransport(FaxTransport):
    kind = "http"
    label = _l("HTTP fax API")
    description = _l("Any fax service with an HTTP API: the upload, the answer and the status reports are "
                     "configured here.")
    settings_fields = SETTINGS_FIELDS
    secret_fields = ("api_key",)
    callbacks = ("status", "received")
    polls = True  # the kind may poll; each line does when it has a status URL (set per instance below)

    def __init__(self, line):
        super().__init__(line)
        self.wants = "tiff" if self._get("wants") == "tiff" else "pdf"
        self.polls = bool(self.settings.get("status_url"))

    def _get(self, name):
        return setting(self.settings, name)

    def validate_settings(self, settings):
        """Placeholders known, URLs http(s), headers, fields, rules and status words readable."""
        return settings_errors(settings)

    def _headers(self, values):
        return {name: header_escape(fill_template(value, values, str))
                for name, value in parse_headers(self._get("headers"))}

    # Submitting ----------------------------------------------------------------------------------

    def _values(self, document):
        number = document.to.lstrip("+")
        return {"number": number, "e164": "+" + number, "sender": document.sender, "reference": document.reference,
                "message_id": document.message_id, "pages": document.pages, "api_key": self._get("api_key")}

    def build_request(self, document):
        """(method, url, headers, body) uploading one document."""
        values = self._values(document)
        kind = "tiff" if self.wants == "tiff" and document.tiff_path else "pdf"
        path = document.tiff_path if kind == "tiff" else document.pdf_path
        fields = [(name, fill_template(value, values, str)) for name, value in parse_form_fields(
            self.settings.get("form_fields") if self.settings.get("form_fields") is not None
            else self._get("form_fields"))]
        files = [(self._get("file_field"), f"fax-{document.reference}.{kind}", FILE_TYPES[kind],
                  Path(path).read_bytes())]
        content_type, body = multipart(fields, files)
        headers = self._headers(values)
        headers["Content-Type"] = content_type
        return self._get("method"), fill_template(self._get("url"), values, url_escape), headers, body

    def submit(self, documents):
        """Upload each document; see the module for what each answer becomes."""
        results = []
        timeout = float(self._get("timeout"))
        for index, document in enumerate(documents):
            try:
                status, reason, headers, body = request(*self.build_request(document), timeout)
            except (NotReached, TimeoutError) as exc:
                if index == 0:
                    raise TransportError(str(exc)) from exc
                if isinstance(exc, TimeoutError):  # the API may have this one: never sent twice
                    results.append(SendResult.uncertain(document.message_id, f"no answer: {exc}"))
                else:
                    results.append(SendResult.transient(document.message_id, f"unreachable: {exc}"))
                results += [SendResult.transient(d.message_id, f"not sent: {exc}") for d in documents[index + 1:]]
                return results
            except OSError as exc:  # the upload went out; the answer did not come back
                results.append(SendResult.uncertain(document.message_id, f"no answer: {exc}"))
                continue
            results.append(self.classify(document, status, reason, headers, body))
        return results

    def classify(self, document, status, reason, headers, body):
        """The SendResult for one answer to an upload."""
        text = body.decode("utf-8", "replace")
        short = " ".join(text.split())[:ERROR_CHARS]
        said = f"HTTP {status} {reason}: {short}".strip(": ")
        if status == 429 or status >= 500:
            return SendResult.transient(document.message_id, said,
                                        retry_after=parse_retry_after(headers.get("Retry-After")))
        if not 200 <= status < 300:
            return SendResult.permanent(document.message_id, said)
        data = _json(text)
        if not answer_passes(self.settings.get("success"), text, data):
            return SendResult.permanent(document.message_id, f"refused: {short}")
        # Without a job id in the answer, our reference is what status reports can name.
        job_id = id_in_answer(self._get("job_id_path"), text, data)[:200] or document.reference
        return SendResult.accepted(document.message_id, job_id, units=document.pages)

    # Status ------------------------------------------------------------------------------------

    def status_from(self, provider_id, word, reason="", pages=None):
        """A FaxStatus from the API's status word, or None when the word is not among the status words."""
        outcome = status_words(self.settings).get(str(word or "").strip().upper())
        if outcome is None:
            log.warning("fax line %s: unknown status %r for job %r ignored", self.line.name, word, provider_id)
            return None
        return FaxStatus(str(provider_id), outcome, reason=str(reason or "")[:500] or (
            "" if outcome == "delivered" else str(word)), pages=_pages(pages))

    def poll(self, provider_ids):
        """GET the status URL for each job; jobs the API does not know (404) or whose word is unknown
        are left for the next poll. TransportError when the API cannot be reached at all."""
        if not self.polls:
            return []
        found = []
        timeout = float(self._get("timeout"))
        for index, provider_id in enumerate(provider_ids):
            values = {"job_id": provider_id, "api_key": self._get("api_key")}
            url = fill_template(self.settings["status_url"], values, url_escape)
            try:
                status, _reason, _headers, body = request("GET", url, self._headers(values), None, timeout)
            except OSError as exc:
                if index == 0:
                    raise TransportError(str(exc)) from exc
                break  # the next poll asks about the rest
            if status == 429 or status >= 500:
                break
            if not 200 <= status < 300:
                log.warning("fax line %s: status of job %r: HTTP %s", self.line.name, provider_id, status)
                continue
            data = _json(body.decode("utf-8", "replace"))
            report = self.status_from(provider_id, dig_json(data, self._get("status_field")),
                                      dig_json(data, self._get("reason_field")),
                                      dig_json(data, self._get("pages_field")))
            if report is not None:
                found.append(report)
        return found

    def callback(self, name, request):
        """"status": a report on one job; "received": an inbound fax (http_callbacks.py)."""
        return http_callbacks.answer(self, name, request)

    def test_connection(self):
        """HEAD the upload URL's host: what it answered."""
        parts = urlsplit(fill_template(self._get("url"), self._values_for_test(), url_escape))
        try:
            status, reason, _headers, _body = request("HEAD", f"{parts.scheme}://{parts.netloc}/",
                                                      self._headers(self._values_for_test()), None,
                                                      float(self._get("timeout")))
        except OSError as exc:
            raise TransportError(str(exc)) from exc
        return f"{parts.netloc}: HTTP {status} {reason}"

    def _values_for_test(self):
        return {"number": "", "e164": "", "sender": self.line.sender or "", "reference": "", "message_id": "",
                "pages": "", "api_key": self._get("api_key")}


def _json(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _pages(value):
    try:
        pages = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pages if 0 <= pages < 100000 else None


@hookimpl
def register_fax_transports():
    """The built-in HTTP fax API kind."""
    return [HttpTransport]
