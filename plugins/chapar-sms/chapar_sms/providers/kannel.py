"""The kannel provider: smsbox's sendsms HTTP interface, delivery reports through dlr-url, received
messages through an sms-service post-url.

Sending: one GET per message to sendsms (text in UTF-8 with charset=UTF-8; coding=2 for UCS-2
text, 0 for GSM 7-bit; Kannel splits long texts itself, so the sendsms-user needs
`max-messages = 10`), on keep-alive connections from a small thread pool. What Kannel answers:

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
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_to_bytes, urlencode, urlsplit

from chapar import Field, SendResult
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


class _NotSent(Exception):
    """The connection could not be opened: smsbox has not seen the request."""


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
        self._local = threading.local()  # each pool thread keeps its own keep-alive connection
        self._connections = set()  # every open one, for close()
        self._lock = threading.Lock()
        self._pool = None

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
        """The sendsms parameters of one submission."""
        params = {"username": self.settings.get("username") or "", "password": self.settings.get("password") or "",
                  "to": submission.to, "text": submission.text, "charset": "UTF-8",
                  "coding": CODING.get(submission.encoding, "0")}
        if submission.sender:
            params["from"] = submission.sender
        if self.settings.get("smsc_id"):
            params["smsc"] = self.settings["smsc_id"]
        if submission.receipt_url and self.dlr_mask:
            # Kannel fills in %d (the DLR type) and %A (the SMSC's answer) when it calls back.
            params["dlr-mask"] = str(self.dlr_mask)
            params["dlr-url"] = submission.receipt_url + "&status=%d&answer=%A"
        return params

    def send(self, submissions):
        if not submissions:
            return []
        # Always through the pool, even one reply sent from a web request: connections live in
        # the pool's threads, which last as long as this provider.
        outcomes = list(self._executor().map(self._send_one, submissions))
        results = [result for result, _gateway_down in outcomes]
        if all(gateway_down for _result, gateway_down in outcomes):
            raise ProviderError(f"Kannel at {self._target()[1]}: {results[0].error.removeprefix('Kannel: ')}")
        return results

    def _send_one(self, submission):
        """(SendResult, True when the failure says the whole gateway is away)."""
        message_id = submission.message_id
        try:
            status, body = self._get(self._path() + "?" + urlencode(self.query(submission)))
        except _NotSent as exc:
            return SendResult.transient(message_id, f"no connection: {exc}"), True
        except (OSError, http.client.HTTPException) as exc:
            return SendResult.uncertain(message_id, f"connection lost after sending: {exc}"), False
        answer = f"{body or 'no answer'} (HTTP {status})"
        if status in (200, 202):
            return SendResult.accepted(message_id, submission.reference), False
        if status >= 500:
            return SendResult.transient(message_id, f"Kannel: {answer}"), True
        return SendResult.permanent(message_id, f"Kannel: {answer}"), False

    def _executor(self):
        with self._lock:
            if self._pool is None:
                workers = max(1, min(int(self._number("connections", DEFAULT_CONNECTIONS)), MAX_CONNECTIONS))
                self._pool = ThreadPoolExecutor(workers, thread_name_prefix=f"kannel-{self.gateway.id}")
            return self._pool

    def _target(self):
        url = urlsplit(self.settings.get("sendsms_url") or "")
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ProviderError("the Kannel gateway has no valid sendsms address")
        return url, url.netloc

    def _path(self):
        return self._target()[0].path or "/cgi-bin/sendsms"

    def _connection(self):
        """This thread's keep-alive connection to smsbox, (re)opened when needed. An idle one that
        smsbox closed (its keep-alive timeout) reads as ready: replaced before use, so a request is
        never sent into a closed connection and never needs sending twice."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and conn.sock is not None and not select.select([conn.sock], [], [], 0)[0]:
            return conn
        if conn is not None:
            self._drop(conn)
        url, _netloc = self._target()
        cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = cls(url.hostname, url.port, timeout=self.timeout)
        try:
            conn.connect()
        except OSError as exc:  # refused, unreachable, timed out: smsbox never saw the request
            raise _NotSent(str(exc) or type(exc).__name__) from exc
        self._local.conn = conn
        with self._lock:
            self._connections.add(conn)
        return conn

    def _drop(self, conn):
        conn.close()
        self._local.conn = None
        with self._lock:
            self._connections.discard(conn)

    def _get(self, path):
        """GET `path` on smsbox: (status, body text). Raises _NotSent when no connection could be
        opened, OSError or HTTPException when it broke after the request went out."""
        conn = self._connection()
        try:
            conn.request("GET", path, headers={"Connection": "keep-alive"})
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace").strip()
        except BaseException:
            self._drop(conn)
            raise
        if response.will_close:
            self._drop(conn)
        return response.status, body[:300]

    def close(self):
        with self._lock:
            pool, self._pool = self._pool, None
            connections, self._connections = self._connections, set()
        if pool is not None:
            pool.shutdown(wait=True)
        for conn in connections:
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
        from chapar.channels import channel_settings

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
        query = urlencode({"username": self.settings.get("username") or "",
                           "password": self.settings.get("password") or ""})
        try:  # in the pool, like sends: a web request's thread must not keep a connection
            status, body = self._executor().submit(self._get, self._path() + "?" + query).result()
        except (_NotSent, OSError, http.client.HTTPException) as exc:
            raise ProviderError(f"smsbox at {self._target()[1]}: {exc}") from exc
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
