"""The generic HTTP gateway: most bulk-SMS providers' APIs, configured in the UI without code.

An admin gives the method, a URL template, headers, a body template (JSON or form) and how to read
the answer (a success rule and where the provider's message id is). Placeholders such as {to} and
{text} are escaped for where they stand: URL-encoded in the URL and form bodies, JSON-escaped in
JSON bodies (a contact's quotes cannot break out of the string), line breaks removed in headers.
The API key is a secret field, usable as {api_key} anywhere.

Answers: 2xx that passes the success rule is accepted; 429 and 5xx are transient (with the
Retry-After asked for); other statuses, and a 2xx failing the rule, are permanent with the body's
text. A connection refused is transient (nothing was sent); a connection lost after the request
went out is uncertain (the provider may have it), so no one gets a message twice.

Callbacks: "receipt" (delivery reports: the message by our `message` parameter or the provider's
id, the status word mapped onto delivered/failed/expired/pending) and "inbound" (received SMS);
their fields come from the query string, a form or a JSON body (dotted paths for nested JSON).
"""
import http.client
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from urllib.parse import urlsplit

from chapar import (ERROR_CHARS, Field, SendResult, answer_passes, header_escape, id_in_answer, json_escape,
                    parse_headers, url_escape)
from chapar import connection_dropped as dropped
from chapar import dig_json as dig
from chapar import fill_template as render
from chapar import parse_retry_after as retry_after
from chapar import parse_status_map as parse_status_words
from chapar import unknown_placeholders as unknown_placeholder_names
from flask_babel import lazy_gettext as _l

from ..inbound import received
from ..numbers import national
from ..providers.base import ProviderError, SmsProvider
from ..receipts import STATES, receipt
from .registry import hookimpl

# The SMS gateway's own template words; the template machinery is the core's (chapar.fill_template …).
PLACEHOLDERS = ("to", "to_digits", "to_national", "sender", "text", "reference", "message_id", "receipt_url",
                "api_key", "encoding", "segments")
SAMPLE = {"to": "+989121234567", "to_digits": "989121234567", "to_national": "09121234567", "sender": "Chapar",
          "text": 'Hello "friend"\n', "reference": "chapar-1", "message_id": "1", "segments": "1",
          "receipt_url": "https://chapar.example/sms/gateways/1/receipt?secret=s&message=1", "api_key": "key",
          "encoding": "ucs2"}
DEFAULT_STATUS_MAP = ("DELIVERED=delivered, DELIVRD=delivered, FAILED=failed, UNDELIV=failed, REJECTED=failed, "
                      "EXPIRED=expired, PENDING=pending, SENT=pending, ACCEPTED=pending")
unknown_placeholders = partial(unknown_placeholder_names, known=PLACEHOLDERS)
parse_status_map = partial(parse_status_words, states=STATES)

log = logging.getLogger(__name__)


SETTINGS_FIELDS = (
    Field("method", _l("Method"), kind="select", default="POST", choices=(("POST", "POST"), ("GET", "GET"))),
    Field("url", _l("URL"), required=True, max_length=1000,
          help=_l("e.g. https://api.example.com/sms/send?to={to}. Placeholders: {to} (+98912…), {to_digits} "
                  "(98912…), {to_national} (0912…), {sender}, {text}, {reference}, {message_id}, {receipt_url}, "
                  "{api_key}, {encoding}, {segments}.")),
    Field("api_key", _l("API key"), kind="password", secret=True, help=_l("Used wherever {api_key} stands.")),
    Field("headers", _l("Headers"), kind="textarea", max_length=2000,
          help=_l("One per line, e.g. Authorization: Bearer {api_key}")),
    Field("content_type", _l("Body format"), kind="select", default="json",
          choices=(("json", "JSON"), ("form", _l("Form (URL-encoded)")))),
    Field("body", _l("Body"), kind="textarea", max_length=4000,
          default='{"to": "{to}", "from": "{sender}", "text": "{text}", "callback": "{receipt_url}"}',
          help=_l("For POST. In JSON, put placeholders inside quotes: they are escaped for you.")),
    Field("success", _l("Success check"), max_length=300,
          help=_l("Besides a 2xx status: a JSON path and value such as status=ok, or re:<regular expression> "
                  "the answer must match. Empty: the status alone.")),
    Field("message_id_path", _l("Message id in the answer"), max_length=300, default="data.id",
          help=_l("A JSON path such as data.id, or re:<regular expression> whose first group is the id.")),
    Field("timeout", _l("Timeout (seconds)"), kind="number", default=10),
    Field("concurrency", _l("Parallel requests"), kind="number", default=4),
    Field("status_url", _l("Status URL for the connection test"), max_length=1000,
          help=_l("Optional, e.g. https://api.example.com/balance?key={api_key}. Empty: the URL's host is asked.")),
    Field("receipt_id_field", _l("Receipt: message id field"), default="id", max_length=100),
    Field("receipt_status_field", _l("Receipt: status field"), default="status", max_length=100),
    Field("receipt_error_field", _l("Receipt: error field"), default="error", max_length=100),
    Field("status_map", _l("Receipt: status words"), kind="textarea", default=DEFAULT_STATUS_MAP, max_length=2000,
          help=_l("The provider's word=delivered, failed, expired or pending, separated by commas.")),
    Field("inbound_from_field", _l("Received SMS: sender field"), default="from", max_length=100),
    Field("inbound_to_field", _l("Received SMS: recipient field"), default="to", max_length=100),
    Field("inbound_text_field", _l("Received SMS: text field"), default="text", max_length=100),
    Field("inbound_id_field", _l("Received SMS: id field"), default="id", max_length=100),
)

SETTINGS_FIELDS_BY_NAME = {f.name: f for f in SETTINGS_FIELDS}
MAX_ANSWER_BYTES = 1024 * 1024  # of a provider's answer read; the rest is dropped with the connection


class Unsendable(ValueError):
    """One message's values cannot make a valid request for this gateway (nothing was sent)."""



class HttpProvider(SmsProvider):
    kind = "http"
    label = _l("HTTP API")
    description = _l("Any bulk-SMS provider with an HTTP API: method, URL, headers, body and answer configured here.")
    settings_fields = SETTINGS_FIELDS
    callbacks = ("receipt", "inbound")

    def __init__(self, gateway):
        super().__init__(gateway)
        self._local = threading.local()
        self._connections = []
        self._lock = threading.Lock()
        self._pool = None

    # Settings -------------------------------------------------------------------------------

    def _get(self, name):
        value = self.settings.get(name)
        if value in (None, ""):
            value = SETTINGS_FIELDS_BY_NAME[name].default
        return value

    def validate_settings(self, settings):
        errors = {}
        values = dict(SAMPLE, api_key=settings.get("api_key") or "key")
        for name in ("url", "status_url", "headers", "body"):
            unknown = unknown_placeholders(settings.get(name))
            if unknown:
                errors[name] = str(_l("Unknown placeholder: %(names)s", names=", ".join(unknown)))
        for name in ("url", "status_url"):
            if name not in errors and (name == "url" or settings.get(name)):
                parts = urlsplit(render(settings.get(name), values, url_escape))
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    errors[name] = str(_l("Give an http:// or https:// address."))
        try:
            parse_headers(settings.get("headers"))
        except ValueError as exc:
            errors.setdefault("headers", str(_l("Not a “Name: value” line: %(line)s", line=str(exc))))
        if (settings.get("method") or "POST") == "POST" and (settings.get("content_type") or "json") == "json" \
                and "body" not in errors and (settings.get("body") or "").strip():
            try:
                json.loads(render(settings.get("body"), values, json_escape))
            except ValueError:
                errors["body"] = str(_l("Not JSON once the placeholders are filled in: put them inside quotes."))
        for name in ("success", "message_id_path"):
            rule = settings.get(name) or ""
            if rule.startswith("re:"):
                try:
                    re.compile(rule[3:])
                except re.error as exc:
                    errors[name] = str(_l("Not a regular expression: %(error)s", error=str(exc)))
        try:
            parse_status_map(settings.get("status_map") if settings.get("status_map") is not None
                             else DEFAULT_STATUS_MAP)
        except ValueError as exc:
            errors["status_map"] = str(_l("Not word=delivered, failed, expired or pending: %(entry)s",
                                          entry=str(exc)))
        for name in ("timeout", "concurrency"):
            value = settings.get(name)
            if value not in (None, "") and not (isinstance(value, (int, float)) and 0 < value <= 300):
                errors[name] = str(_l("A number from 1 to 300."))
        return errors

    # Sending ----------------------------------------------------------------------------------

    def _values(self, submission):
        digits = submission.to.lstrip("+")
        return {"to": submission.to, "to_digits": digits, "to_national": national(submission.to) or digits,
                "sender": submission.sender, "text": submission.text, "reference": submission.reference,
                "message_id": submission.message_id,
                "receipt_url": submission.receipt_url, "api_key": self._get("api_key"),
                "encoding": submission.encoding, "segments": submission.segments}

    def _headers(self, values):
        return {name: header_escape(render(value, values, str)) for name, value in parse_headers(self._get("headers"))}

    def build_request(self, values):
        """(method, url, headers, body bytes or None) for one message's `values`."""
        method = self._get("method")
        url = render(self._get("url"), values, url_escape)
        headers = self._headers(values)
        body = None
        if method == "POST":
            form = self._get("content_type") == "form"
            template = self.settings.get("body")  # "" is a choice: everything in the URL
            template = SETTINGS_FIELDS_BY_NAME["body"].default if template is None else template
            body = render(template, values, url_escape if form else json_escape).encode()
            content_type = "application/x-www-form-urlencoded" if form else "application/json"
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = content_type + "; charset=utf-8"
        return method, url, headers, body

    def send(self, submissions):
        if not submissions:
            return []
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    workers = int(self._get("concurrency"))
                    self._pool = ThreadPoolExecutor(max(1, min(workers, 32)), thread_name_prefix="sms-http")
        results = list(self._pool.map(self._send_one, submissions))
        unreachable = [r for r in results if r.outcome == "transient" and r.error.startswith("unreachable")]
        if len(unreachable) == len(results):
            raise ProviderError(results[0].error)
        return results

    def _send_one(self, submission):
        # Never raise: an exception would fail the whole batch, and the messages other threads
        # already handed over would be sent again.
        try:
            method, url, headers, body = self.build_request(self._values(submission))
            status, reason, answer_headers, answer = self.request(method, url, headers, body)
        except Unsendable as exc:  # this message can never make a valid request: nothing went out
            return SendResult.permanent(submission.message_id, f"cannot build the request: {exc}")
        except ConnectionError as exc:  # nothing went out
            return SendResult.transient(submission.message_id, f"unreachable: {exc}")
        except OSError as exc:  # the request went out; the answer did not come
            return SendResult.uncertain(submission.message_id, f"no answer: {exc}")
        except Exception as exc:
            log.exception("SMS gateway %s: sending message %s broke off", self.gateway.name, submission.message_id)
            return SendResult.uncertain(submission.message_id, f"{type(exc).__name__}: {exc}")
        return self.classify(submission.message_id, status, reason, answer_headers, answer)

    def classify(self, message_id, status, reason, headers, body):
        """The SendResult for one HTTP answer."""
        text = body.decode("utf-8", "replace")
        short = " ".join(text.split())[:ERROR_CHARS]
        if status == 429 or status >= 500:
            return SendResult.transient(message_id, f"HTTP {status} {reason}: {short}".strip(": "),
                                        retry_after=retry_after(headers.get("Retry-After")))
        if not 200 <= status < 300:
            return SendResult.permanent(message_id, f"HTTP {status} {reason}: {short}".strip(": "))
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not answer_passes(self.settings.get("success"), text, data):
            return SendResult.permanent(message_id, f"refused: {short}")
        return SendResult.accepted(message_id, id_in_answer(self._get("message_id_path"), text, data))

    # HTTP, with one kept-alive connection per thread and host ------------------------------------

    def _connection(self, scheme, host, port):
        connections = self._local.__dict__.setdefault("connections", {})
        key = (scheme, host, port)
        conn = connections.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            conn = cls(host, port, timeout=float(self._get("timeout")))
            connections[key] = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def request(self, method, url, headers, body):
        """(status, reason, headers, body bytes). ConnectionError when the gateway could not be
        reached (nothing sent); another OSError when the answer was lost (it may have the request)."""
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError as exc:
            raise ConnectionError(f"not a valid URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectionError(f"not an http(s) URL: {url[:100]}")
        for name, value in headers.items():
            try:
                value.encode("latin-1")  # what http.client sends; it would fail half-way through the request
            except UnicodeEncodeError:
                raise Unsendable(f"header {name} holds characters HTTP headers cannot carry") from None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn = self._connection(parts.scheme, parts.hostname, port)
        if conn.sock is not None and dropped(conn.sock):
            conn.close()  # the server closed the idle connection: a new one, before anything is sent
        if conn.sock is None:
            try:
                conn.connect()
            except OSError as exc:
                conn.close()
                raise ConnectionError(str(exc) or type(exc).__name__) from exc
        try:
            conn.request(method, target, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read(MAX_ANSWER_BYTES + 1)  # a provider's answer is small; never hold a flood
        except (OSError, http.client.HTTPException) as exc:
            conn.close()  # never sent again here: the gateway may have the message
            raise OSError(f"connection lost: {exc or type(exc).__name__}") from None
        if answer.will_close or len(data) > MAX_ANSWER_BYTES:
            conn.close()  # the rest of an oversized answer is not read: the connection cannot be reused
            data = data[:MAX_ANSWER_BYTES]
        return answer.status, answer.reason, answer.headers, data

    def test_connection(self):
        values = dict(SAMPLE, api_key=self._get("api_key"))
        status_url = self.settings.get("status_url")
        if status_url:
            method, url = "GET", render(status_url, values, url_escape)
        else:
            parts = urlsplit(render(self._get("url"), values, url_escape))
            method, url = "HEAD", f"{parts.scheme}://{parts.netloc}/"
        headers = self._headers(values)
        try:
            status, reason, _headers, body = self.request(method, url, headers, None)
        except (OSError, Unsendable) as exc:
            raise ProviderError(f"{urlsplit(url).netloc}: {exc}") from exc
        return f"HTTP {status} {reason}" + (f": {' '.join(body.decode('utf-8', 'replace').split())[:100]}"
                                            if body else "")

    def close(self):
        with self._lock:
            connections, self._connections = self._connections, []
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)
        for conn in connections:
            conn.close()

    # Callbacks ----------------------------------------------------------------------------------

    def callback(self, name, request):
        fields = dict(request.args.items())
        fields.update(request.form.items())
        data = request.get_json(silent=True) if request.is_json else None

        def field(setting):
            path = self._get(setting)
            value = dig(data, path) if isinstance(data, (dict, list)) else None
            value = fields.get(path) if value is None else value
            return "" if value is None else str(value).strip()

        if name == "receipt":
            return self._receipt(field, request.args.get("message", ""))
        if name == "inbound":
            return self._inbound(field, dict(fields, **(data if isinstance(data, dict) else {})))
        return "unknown callback", 404

    def _receipt(self, field, message_id):
        word = field("receipt_status_field")
        state = parse_status_map(self._get("status_map")).get(word.upper())
        if state is None:
            log.warning("SMS gateway %s: receipt with unknown status %r ignored", self.gateway.name, word)
            return "unknown status ignored", 200
        ref = field("receipt_id_field")
        if not message_id and not ref:
            return "no message id", 400
        receipt(self.gateway, state, message_id=message_id or None, ref=None if message_id else ref,
                error=field("receipt_error_field") or (word if state != "delivered" else ""))
        return "OK", 200

    def _inbound(self, field, raw):
        sender, text = field("inbound_from_field"), field("inbound_text_field")
        if not sender:
            return "no sender", 400
        received(self.gateway, sender, text, recipient=field("inbound_to_field"),
                 provider_id=field("inbound_id_field"), data={"fields": {k: str(v)[:500] for k, v in raw.items()
                                                                          if k != "secret"}})
        return "OK", 200


@hookimpl
def register_sms_providers():
    """The built-in http kind."""
    return [HttpProvider]
