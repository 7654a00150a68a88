"""The kannel provider: smsbox's sendsms HTTP interface, delivery reports through dlr-url, received
messages through an sms-service post-url.

Sending: one GET per message to sendsms (text in UTF-8 with charset=UTF-8; coding=2 for UCS-2
text, 0 for GSM 7-bit; Kannel splits long texts itself, so the sendsms-user needs
`max-messages = 10`), on `connections` keep-alive connections at once, all driven by the calling
thread (one poll() for all, no thread per connection: a worker's send thread shares the GIL with
its main thread, and threads fighting over it cost more than the requests). What Kannel answers:

- 202 ("0: Accepted for delivery", "3: Queued for later delivery") -> accepted;
- 4xx (403 "Authorization failed for sendsms", 400 "Missing receiver number" …) -> permanent,
  with Kannel's text: sending it again would get the same answer;
- 5xx (503 "Sending failed." while bearerbox is away) -> transient;
- no connection (refused, unreachable, timeout while connecting) -> transient: nothing was handed
  over; when *no* message of the batch got through for such a reason (smsbox down, or 5xx for
  all), ProviderError: the core retries the whole batch later;
- the connection broke after the request was sent -> uncertain: Kannel is not idempotent, it
  may have queued the message, and a customer must not get it twice.

Delivery reports: dlr-url = the receipt URL + "&status=%d&answer=%A"; Kannel's DLR types are
1 delivered, 2 undelivered, 4 buffered, 8 smsc ack, 16 smsc reject. DEFAULT_DLR_MASK = 31 asks
for all five: 1 -> delivered; 2 and 16 -> failed (with Kannel's %A answer as the reason);
4 and 8 are intermediate and change nothing.

Received messages: paste into kannel.conf the group `service_config()` returns (test_connection
shows its post-url). A post-url, not a get-url: Kannel posts the message's bytes as received with
their charset (UTF-16BE for UCS-2, so Persian arrives intact whatever `mo-recode` says), while a
get-url's %b would put UCS-2's NUL bytes in the query string, which Chapar refuses. The sender,
receiver and Kannel's id come in the URL. The answer is an empty body and the group has
`omit-empty = true` and `max-messages = 0`, so Kannel sends no reply SMS of its own (keyword
replies go out through sendsms like any message). A get-url with `text=%a` works too for GSM
text or with `mo-recode = true`.
"""
import http.client
import logging
import select
import socket
import ssl
import threading
import time
from collections import deque
from functools import lru_cache
from urllib.parse import quote_plus, unquote_to_bytes, urlencode, urlsplit

from chapar import Field, SendResult, connection_dropped
from flask_babel import lazy_gettext as _l

from .base import ProviderError, SmsProvider
from .registry import hookimpl

log = logging.getLogger(__name__)

DEFAULT_DLR_MASK = 31  # delivered | undelivered | buffered | smsc ack | smsc reject
DEFAULT_TIMEOUT = 10
DEFAULT_CONNECTIONS = 8
MAX_CONNECTIONS = 64
DLR_STATES = {1: "delivered", 2: "failed", 4: "pending", 8: "pending", 16: "failed"}
DLR_NAMES = {1: "delivered", 2: "undelivered", 4: "buffered", 8: "smsc ack", 16: "smsc reject"}
CODING = {"gsm7": "0", "ucs2": "2"}
# What Kannel substitutes in the sms-service post-url: sender, receiver, the text's coding and
# charset, and Kannel's id for the message (the text itself is the body).
INBOUND_QUERY = "&from=%p&to=%P&coding=%c&charset=%C&id=%I"


MAX_ANSWER = 64 * 1024  # an answer's head or body beyond this is no smsbox's


class _NotSent(Exception):
    """The connection could not be opened: smsbox has not seen the request."""


class _Connection:
    """One keep-alive HTTP/1.1 connection to smsbox and the answer it is reading. The request
    and answer are handled here rather than by http.client, whose per-request cost in Python
    (header objects, a buffered file, email parsing) is most of what a send costs."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()
        self.index = None  # the request it carries (the caller's index) while one is out
        self.deadline = 0.0

    def readable(self):
        """True when something (or the end) arrived. For an idle connection: smsbox closed it (its
        keep-alive timeout), so a request must never be sent into it (lost, or doubled)."""
        return connection_dropped(self.sock)

    def receive(self):
        """Read what arrived (the socket is readable); OSError when smsbox hung up."""
        chunk = self.sock.recv(65536)
        while chunk and getattr(self.sock, "pending", None) and self.sock.pending():  # TLS: decrypted already
            chunk += self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("smsbox closed the connection without an answer")
        self.buffer += chunk
        if len(self.buffer) > 2 * MAX_ANSWER:  # a chunked answer that never ends
            raise http.client.HTTPException("smsbox's answer is longer than any sendsms answer")

    def answer(self):
        """(status, body, will_close) once the whole answer is here, else None. Raises
        http.client.HTTPException for what is no HTTP answer."""
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            if len(self.buffer) > MAX_ANSWER:
                raise http.client.LineTooLong("smsbox's answer head")
            return None
        lines = bytes(self.buffer[:head_end]).decode("latin-1").split("\r\n")
        version, _space, rest = lines[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not (code.isascii() and code.isdigit()):
            raise http.client.BadStatusLine(lines[0])
        headers = {}
        for line in lines[1:]:
            name, _colon, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = _body(self.buffer, head_end + 4, headers)
        if body is None:
            return None
        body, end = body
        del self.buffer[:end]
        will_close = (headers.get("connection", "").lower() == "close"
                      or version == "HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive")
        return int(code), body, will_close

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _body(buffer, start, headers):
    """(body, end of the answer in `buffer`) when the whole body is there, else None: by
    Content-Length or chunked (smsbox gives a length; a proxy in front of it may not)."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body, at = b"", start
        while True:
            line_end = buffer.find(b"\r\n", at)
            if line_end < 0:
                return None
            size = int(bytes(buffer[at:line_end]).split(b";")[0] or b"0", 16)
            if size == 0:  # the last chunk, then trailers (if any) and an empty line
                trailer_end = buffer.find(b"\r\n\r\n", line_end)
                return None if trailer_end < 0 else (body, trailer_end + 4)
            if len(buffer) < line_end + 2 + size + 2:
                return None
            body += bytes(buffer[line_end + 2:line_end + 2 + size])
            at = line_end + 2 + size + 2
    length = headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_ANSWER:
        raise http.client.HTTPException(f"smsbox's answer has Content-Length {length!r}")
    end = start + int(length)
    return None if len(buffer) < end else (bytes(buffer[start:end]), end)


@lru_cache(maxsize=64)  # a gateway sends as one or two senders
def _from_param(sender):
    """The sendsms query's "&from=…" for `sender` ("" for the smsbox's default)."""
    return "&" + urlencode({"from": sender}) if sender else ""


class KannelProvider(SmsProvider):
    kind = "kannel"
    label = "Kannel"
    description = _l("Kannel's smsbox (sendsms): your own SMPP links or GSM modems through an open-source gateway.")
    idempotent = False
    callbacks = ("receipt", "inbound")
    settings_fields = (
        Field("sendsms_url", _l("sendsms address"), kind="url", required=True,
              default="http://127.0.0.1:13013/cgi-bin/sendsms",
              help=_l("smsbox's sendsms URL: http://host:sendsms-port/cgi-bin/sendsms")),
        Field("username", _l("Username"), required=True, help=_l("A sendsms-user of kannel.conf.")),
        Field("password", _l("Password"), kind="password", secret=True, required=True),
        Field("smsc_id", _l("SMSC id"), help=_l("Send through this smsc-id only; empty lets Kannel route.")),
        Field("dlr_mask", _l("Delivery report mask"), kind="number", default=DEFAULT_DLR_MASK,
              help=_l("Which reports Kannel sends: 1 delivered, 2 undelivered, 4 buffered, 8 accepted by the "
                      "SMSC, 16 rejected by the SMSC; add them up. 31 asks for all, 0 for none.")),
        Field("timeout", _l("Timeout (seconds)"), kind="number", default=DEFAULT_TIMEOUT),
        Field("connections", _l("Parallel requests"), kind="number", default=DEFAULT_CONNECTIONS,
              help=_l("How many messages are handed to smsbox at once.")),
        Field("status_url", _l("bearerbox status address"), kind="url",
              help=_l("Optional, for the connection test: http://host:admin-port/status.txt")),
        Field("status_password", _l("bearerbox status password"), kind="password", secret=True),
    )

    def __init__(self, gateway):
        super().__init__(gateway)
        self._idle = []  # keep-alive connections no send is using
        self._lock = threading.Lock()
        self._closed = False
        self._tls = None  # an https sendsms URL's TLS context, made once (it loads the CA store)
        # What every message's query shares, encoded once (the provider is rebuilt on save).
        self._credentials = urlencode({"username": self.settings.get("username") or "",
                                       "password": self.settings.get("password") or ""})
        self._smsc = "&" + urlencode({"smsc": self.settings["smsc_id"]}) if self.settings.get("smsc_id") else ""

    # --- settings ------------------------------------------------------------------------------

    def _number(self, name, default):
        value = self.settings.get(name)
        return default if value in (None, "") else value

    @property
    def timeout(self):
        return float(self._number("timeout", DEFAULT_TIMEOUT))

    @property
    def dlr_mask(self):
        return int(self._number("dlr_mask", DEFAULT_DLR_MASK))

    def validate_settings(self, settings):
        errors = {}
        url = urlsplit(settings.get("sendsms_url") or "")
        if url.scheme not in ("http", "https") or not url.hostname:
            errors["sendsms_url"] = _l("An http:// or https:// address of smsbox's sendsms.")
        mask = settings.get("dlr_mask")
        if mask not in (None, "") and not (isinstance(mask, int) and 0 <= mask <= 31):
            errors["dlr_mask"] = _l("A sum of 1, 2, 4, 8 and 16: from 0 to 31.")
        for name, top in (("timeout", 300), ("connections", MAX_CONNECTIONS)):
            value = settings.get(name)
            if value not in (None, "") and not (isinstance(value, (int, float)) and 1 <= value <= top):
                errors[name] = _l("From 1 to %(top)s.", top=top)
        return errors

    # --- sending -------------------------------------------------------------------------------

    def query(self, submission):
        """The sendsms query string of one submission: username, password, to, text, charset,
        coding, from, smsc, dlr-mask and dlr-url, with what all messages share encoded once."""
        parts = [self._credentials, "&to=", quote_plus(submission.to), "&text=", quote_plus(submission.text),
                 "&charset=UTF-8&coding=", CODING.get(submission.encoding, "0"), _from_param(submission.sender),
                 self._smsc]
        if submission.receipt_url and self.dlr_mask:
            # Kannel fills in %d (the DLR type) and %A (the SMSC's answer) when it calls back.
            parts += ("&dlr-mask=", str(self.dlr_mask), "&dlr-url=",
                      quote_plus(submission.receipt_url + "&status=%d&answer=%A"))
        return "".join(parts)

    def send(self, submissions):
        if not submissions:
            return []
        path = self._path()
        answers = self._exchange([f"{path}?{self.query(s)}" for s in submissions])
        outcomes = [self._outcome(submission, answer) for submission, answer in zip(submissions, answers)]
        results = [result for result, _gateway_down in outcomes]
        if all(gateway_down for _result, gateway_down in outcomes):
            raise ProviderError(f"Kannel at {self._target()[1]}: {results[0].error.removeprefix('Kannel: ')}")
        return results

    def _outcome(self, submission, answer):
        """(SendResult, True when the failure says the whole gateway is away) for what smsbox
        answered (status, body) or the exception that stopped the request."""
        message_id = submission.message_id
        if isinstance(answer, _NotSent):
            return SendResult.transient(message_id, f"no connection: {answer}"), True
        if isinstance(answer, Exception):
            return SendResult.uncertain(message_id, f"connection lost after sending: {answer}"), False
        status, body = answer
        text = f"{body or 'no answer'} (HTTP {status})"
        if status in (200, 202):
            # Kannel splits a long text itself, in as many segments as counted
            return SendResult.accepted(message_id, submission.reference, units=submission.segments), False
        if status >= 500:
            return SendResult.transient(message_id, f"Kannel: {text}"), True
        return SendResult.permanent(message_id, f"Kannel: {text}"), False

    def _target(self):
        url = urlsplit(self.settings.get("sendsms_url") or "")
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ProviderError("the Kannel gateway has no valid sendsms address")
        return url, url.netloc

    def _path(self):
        return self._target()[0].path or "/cgi-bin/sendsms"

    def _exchange(self, paths):
        """GET each path on smsbox, `connections` at a time: for each, (status, body text) or the
        exception that stopped it (_NotSent when no connection could be opened: smsbox never saw
        it; OSError or HTTPException when it broke after the request went out)."""
        url, netloc = self._target()
        host = netloc.rpartition("@")[2]
        request = f"GET {{}} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n"
        answers = [None] * len(paths)
        waiting = deque(range(len(paths)))
        busy = []
        limit = max(1, min(int(self._number("connections", DEFAULT_CONNECTIONS)), MAX_CONNECTIONS))
        try:
            while waiting or busy:
                while waiting and len(busy) < limit:
                    index = waiting.popleft()
                    conn = self._start(url, index, request.format(paths[index]).encode("ascii"), answers)
                    if conn is not None:
                        busy.append(conn)
                for conn in self._ready(busy) if busy else ():
                    if self._take(conn, answers):
                        busy.remove(conn)
        finally:
            for conn in busy:  # interrupted: what is out is unknown, the connection unusable
                conn.close()
        return answers

    def _start(self, url, index, request, answers):
        """Send request `index` on an idle or new connection; the connection, or None when it
        could not go (its answer is then set)."""
        try:
            conn = self._checkout(url)
        except _NotSent as exc:
            answers[index] = exc
            return None
        conn.index, conn.deadline = index, time.monotonic() + self.timeout
        try:
            conn.sock.sendall(request)
        except OSError as exc:
            answers[index] = exc
            conn.close()
            return None
        return conn

    @staticmethod
    def _ready(busy):
        """The busy connections with something to read (waiting for the first), and those past
        their deadline, which _take() then reports."""
        poller = select.poll()
        by_fd = {}
        for conn in busy:
            poller.register(conn.sock, select.POLLIN)
            by_fd[conn.sock.fileno()] = conn
        wait = max(0.0, min(conn.deadline for conn in busy) - time.monotonic())
        readable = [by_fd[fd] for fd, _event in poller.poll(wait * 1000 + 1)]  # milliseconds, past the deadline
        now = time.monotonic()
        return readable + [conn for conn in busy if conn.deadline <= now and conn not in readable]

    def _take(self, conn, answers):
        """Read on `conn`; True when its request is settled (answered, failed or timed out)."""
        try:
            if conn.deadline <= time.monotonic() and not conn.readable():
                raise TimeoutError(f"no answer within {self.timeout:g} s")
            conn.receive()
            answer = conn.answer()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            answers[conn.index] = exc
            conn.close()
            return True
        if answer is None:
            return False
        status, body, will_close = answer
        answers[conn.index] = (status, body.decode("utf-8", "replace").strip()[:300])
        if will_close:
            conn.close()
        else:
            self._checkin(conn)
        return True

    def _checkout(self, url):
        """An idle keep-alive connection smsbox has not closed, else a new one (_NotSent when it
        cannot be opened: refused, unreachable, timed out)."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                break
            if not conn.readable():
                return conn
            conn.close()
        try:
            sock = socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)),
                                            timeout=self.timeout)
        except OSError as exc:
            raise _NotSent(str(exc) or type(exc).__name__) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if url.scheme == "https":
            try:
                self._tls = self._tls or ssl.create_default_context()
                sock = self._tls.wrap_socket(sock, server_hostname=url.hostname)
            except OSError as exc:  # the handshake failed: nothing was sent
                sock.close()
                raise _NotSent(str(exc) or type(exc).__name__) from exc
        return _Connection(sock)

    def _checkin(self, conn):
        conn.index = None
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def close(self):
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # --- callbacks -----------------------------------------------------------------------------

    def callback(self, name, request):
        if name == "receipt":
            return self._receipt(request)
        if name == "inbound":
            return self._inbound(request)
        return super().callback(name, request)

    def _receipt(self, request):
        from ..receipts import receipt

        status = request.args.get("status", "")
        if not (status.isascii() and status.isdigit() and len(status) <= 3):  # "²" is a digit to isdigit()
            return "status must be Kannel's DLR type (%d)", 400
        state = DLR_STATES.get(int(status))
        if state is None:
            log.warning("SMS gateway %s: Kannel DLR type %s ignored", self.gateway.name, status)
            return "", 200
        answer = request.args.get("answer", "").strip()
        error = f"{DLR_NAMES[int(status)]}: {answer}" if answer else DLR_NAMES[int(status)]
        receipt(self.gateway, state, message_id=request.args.get("message"), error=error)
        return "", 200

    def _inbound(self, request):
        from ..inbound import received

        params = raw_query(request.query_string)
        sender = params.get("from", b"").decode("utf-8", "replace").strip()
        if not sender:
            return "from (%p) is missing", 400
        charset = params.get("charset", b"").decode("ascii", "replace")
        coding = params.get("coding", b"").decode("ascii", "replace")
        if request.method == "POST":  # post-url: the body is the text, in the Content-Type's charset
            charset = request.mimetype_params.get("charset") or charset
            data = request.get_data(cache=True)
        else:  # a get-url with text=%a
            data = params.get("text", b"")
        text = decode_text(data, charset, coding).replace("\x00", "")  # no database stores NUL
        received(self.gateway, sender, text, recipient=params.get("to", b"").decode("utf-8", "replace"),
                 provider_id=params.get("id", b"").decode("utf-8", "replace")[:100],
                 data={"charset": charset} if charset else None)
        return "", 200  # empty: Kannel must not send a reply SMS of its own

    # --- checks --------------------------------------------------------------------------------

    def service_config(self):
        """The sms-service group an admin pastes into kannel.conf so received messages reach Chapar."""
        from chapar import channel_settings

        from ..settings import callback_url

        url = callback_url(channel_settings("sms"), self.gateway, "inbound") or "<public address>/sms/gateways/…"
        return ("group = sms-service\nkeyword = default\n"
                f'post-url = "{url}{INBOUND_QUERY}"\nomit-empty = true\nmax-messages = 0\n')

    def test_connection(self):
        """bearerbox's status line when its status address is set, else what sendsms answers to a
        request without a receiver (a parameter error proves the address and the credentials)."""
        if self.settings.get("status_url"):
            line = self._status_line()
        else:
            line = self._probe_sendsms()
        post_url = self.service_config().split("post-url = ", 1)[1].split("\n", 1)[0]
        return f"{line}. For received messages, kannel.conf needs an sms-service with post-url = {post_url}"

    def _status_line(self):
        url = urlsplit(self.settings["status_url"])
        query = url.query
        if self.settings.get("status_password"):
            query = "&".join(filter(None, [query, urlencode({"password": self.settings["status_password"]})]))
        cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = cls(url.hostname, url.port, timeout=self.timeout)
        try:
            conn.request("GET", (url.path or "/status.txt") + ("?" + query if query else ""))
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            raise ProviderError(f"bearerbox status at {url.netloc}: {exc}") from exc
        finally:
            conn.close()
        if response.status != 200:
            raise ProviderError(f"bearerbox status: {body.strip()[:200]} (HTTP {response.status})")
        status = next((line.strip() for line in body.splitlines() if line.startswith("Status:")), "")
        return f"bearerbox {status or body.strip()[:200]}"

    def _probe_sendsms(self):
        answer = self._exchange([f"{self._path()}?{self._credentials}"])[0]
        if isinstance(answer, Exception):
            raise ProviderError(f"smsbox at {self._target()[1]}: {answer}") from answer
        status, body = answer
        if status == 403:
            raise ProviderError(f"smsbox refused the username or password: {body} (HTTP 403)")
        if status == 400:  # asked without a receiver on purpose: the credentials were accepted
            return f"smsbox answers, credentials accepted ({body})"
        raise ProviderError(f"smsbox at {self._target()[1]}: {body} (HTTP {status})")


def raw_query(query_string):
    """{name: bytes} of a query string, values percent-decoded to bytes (not to text: a get-url's
    text is the message's bytes in the charset Kannel gives)."""
    params = {}
    for pair in query_string.split(b"&"):
        name, _eq, value = pair.partition(b"=")
        params.setdefault(unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace"),
                          unquote_to_bytes(value.replace(b"+", b" ")))
    return params


def decode_text(data, charset, coding=""):
    """The text of a received message from its bytes: UCS-2 (coding 2) is UTF-16BE; otherwise
    Kannel's charset, with UTF-8 then Latin-1 when it names none Python knows ("8-BIT")."""
    names = ["utf-16-be"] if coding == "2" or charset.upper() in ("UTF-16BE", "UCS-2", "UCS2") else []
    names += [charset, "utf-8"] if charset else ["utf-8"]
    for name in names:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


@hookimpl
def register_sms_providers():
    """The built-in kannel kind."""
    return [KannelProvider]
