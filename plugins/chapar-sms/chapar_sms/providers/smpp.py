"""SMPP 3.4 straight to an SMSC: one transceiver bind per gateway and worker process.

send() pipelines submit_sm (a window of outstanding requests) and maps each submit_sm_resp onto
its message. Long texts go as concatenated parts (UDH, 8-bit reference).

What the SMSC sends us (deliver_sm: delivery receipts and received messages) is answered at once
and parked in Redis; poll() (an RQ job every CHAPAR_SMS_POLL_SECONDS) reads the bind and handles
what is parked, outside the socket lock, because handling an opt-out sends a reply through this
same provider, and a receipt read during send() is about a message whose id the pipeline has not
saved yet. A worker process that only sends drains its bind before each batch.

When the bind is lost mid-batch, a message whose submit_sm went out with no answer is "uncertain":
the SMSC may or may not have it, and SMPP gives no way to ask without its message id. Messages not
submitted yet are retried. A long message of which some parts were accepted and another refused is
"uncertain" too: sending it again would repeat the parts already out.
"""
import json
import logging
import threading
import time
from collections import deque

from chapar import Field, SendResult, get_redis
from flask_babel import lazy_gettext as _l
from smpplib import consts

from .. import receipts
from .base import ProviderError, SmsProvider
from .registry import hookimpl
from .smpp_session import (BindLost, Session, SmppError, address_field, decode, deliver_record, encode_text,
                           status_name, with_udh)

log = logging.getLogger(__name__)

TRANSIENT = {consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL}
THROTTLED_RETRY_SECONDS = 10
# receipt stat / message_state TLV -> receipts.STATES
STATS = {"DELIVRD": "delivered", "UNDELIV": "failed", "REJECTD": "failed", "DELETED": "failed", "UNKNOWN": "failed",
         "EXPIRED": "expired", "ACCEPTD": "pending", "ENROUTE": "pending"}
POLL_READ_SECONDS = 3  # a poll reads the bind this long at most…
POLL_IDLE_SECONDS = 0.5  # …and stops earlier once nothing came for this long after something did,
# or once nothing came at all for this long: a poll holds a worker (every few seconds, per
# gateway), and waiting half a second on an idle bind kept one from sending for that long.
POLL_QUIET_SECONDS = 0.05
UNKNOWN_RECEIPT_SECONDS = 120  # a receipt may overtake the saving of its message's id: keep it this long
INBOUND_PARTS_SECONDS = 86400
# Parked records kept at most per gateway: an SMSC flooding deliver_sm faster than polls handle
# them must not fill Redis; past this the oldest are dropped (logged).
MAX_PARKED = 100_000
MAX_BACKOFF_SECONDS = 60
MAX_SOURCES = 64  # source address fields kept per provider (one per sender id; a gateway has one or two)
TON_CHOICES = (("", _l("From the sender (alphanumeric 5, digits 1)")), ("0", "0 unknown"), ("1", "1 international"),
               ("2", "2 national"), ("3", "3 network specific"), ("4", "4 subscriber number"),
               ("5", "5 alphanumeric"), ("6", "6 abbreviated"))
NPI_CHOICES = (("", _l("From the sender (alphanumeric 0, digits 1)")), ("0", "0 unknown"), ("1", "1 ISDN (E.164)"),
               ("9", "9 private"))


def _key(gateway_id, what):
    return f"chapar-sms:smpp:{gateway_id}:{what}"


class SmppProvider(SmsProvider):
    kind = "smpp"
    label = _l("SMPP 3.4")
    description = _l("Straight to an SMSC with your SMPP account: one transceiver bind per worker.")
    settings_fields = (
        Field("host", _l("SMSC host"), required=True),
        Field("port", _l("Port"), kind="number", required=True, default=2775),
        Field("system_id", _l("System ID"), required=True, max_length=15),
        Field("password", _l("Password"), kind="password", secret=True, max_length=8),
        Field("system_type", _l("System type"), max_length=12, help=_l("Usually empty; some SMSCs require one.")),
        Field("source_ton", _l("Sender TON"), kind="select", choices=TON_CHOICES),
        Field("source_npi", _l("Sender NPI"), kind="select", choices=NPI_CHOICES),
        Field("registered_delivery", _l("Ask for delivery receipts"), kind="checkbox", default=True),
        Field("enquire_link_seconds", _l("Check the link every (seconds)"), kind="number", default=30),
        Field("window", _l("Messages in flight"), kind="number", default=20,
              help=_l("How many submit_sm may await their answer at once (1–100).")),
    )

    def __init__(self, gateway):
        super().__init__(gateway)
        self._window = int(self._setting("window", 20))
        self._registered_delivery = 1 if self._setting("registered_delivery", True) else 0
        self._sources = {}  # sender -> its address_field
        self._lock = threading.RLock()
        self._session = None
        self._failures = 0
        self._retry_at = 0.0
        self._last_error = ""

    def validate_settings(self, settings):
        errors = {}
        if not 0 < (settings.get("port") or 0) < 65536:
            errors["port"] = _l("A port between 1 and 65535.")
        if not 1 <= (settings.get("window") or 20) <= 100:
            errors["window"] = _l("Between 1 and 100.")
        if not 5 <= (settings.get("enquire_link_seconds") or 30) <= 3600:
            errors["enquire_link_seconds"] = _l("Between 5 and 3600 seconds.")
        return errors

    # -- the bind --------------------------------------------------------------------------------

    def _setting(self, name, default=""):
        value = self.settings.get(name)
        return default if value in (None, "") else value

    def _new_session(self):
        return Session(self._setting("host", "localhost"), self._setting("port", 2775), timeout=10)

    def _bind(self, session):
        return session.bind(self._setting("system_id"), self._setting("password"), self._setting("system_type"))

    def _bound_session(self, incoming):
        """The live bind, checked (what it holds is read, the link enquired when idle), or a new one.
        Raises ProviderError while the SMSC cannot be reached (with backoff between attempts)."""
        session = self._session
        if session is not None:
            try:
                while (pdu := session.read(0)) is not None:
                    self._answer(session, pdu, incoming)
                if time.monotonic() - session.last_activity > float(self._setting("enquire_link_seconds", 30)):
                    for pdu in session.enquire_link():
                        self._answer(session, pdu, incoming)
                return session
            except BindLost as exc:
                log.info("SMS gateway %s: SMPP bind lost (%s); binding again", self.gateway.name, exc)
                self._drop()
        if time.monotonic() < self._retry_at:
            raise ProviderError(f"{self._last_error} (next attempt in {self._retry_at - time.monotonic():.0f} s)")
        session = self._new_session()
        try:
            self._bind(session)
        except (SmppError, BindLost) as exc:
            session.close()
            self._failures += 1
            self._retry_at = time.monotonic() + min(MAX_BACKOFF_SECONDS, 2 ** (self._failures - 1))
            self._last_error = f"SMPP {session.host}:{session.port}: {exc}"
            raise ProviderError(self._last_error) from exc
        self._failures, self._retry_at = 0, 0.0
        self._session = session
        return session

    def _drop(self):
        if self._session is not None:
            self._session.close()
            self._session = None

    def _answer(self, session, pdu, incoming):
        """Answer what the SMSC asks outside a submit's answer; deliver_sm are noted in `incoming`."""
        if pdu.command == "deliver_sm":
            incoming.append(deliver_record(pdu))
            session.respond(pdu, "deliver_sm_resp")
        elif pdu.command == "enquire_link":
            session.respond(pdu, "enquire_link_resp")
        elif pdu.command == "unbind":
            session.respond(pdu, "unbind_resp")
            raise BindLost("the SMSC unbound")

    # -- sending ---------------------------------------------------------------------------------

    def _source(self, sender):
        """The source address field for `sender` (the gateway's sender id when empty), TON and NPI
        from the settings or else from its form (alphanumeric 5/0, digits 1/1)."""
        field = self._sources.get(sender)
        if field is None:
            name = (sender or self.gateway.sender or "").strip()
            digits = name.lstrip("+")
            numeric = digits.isdigit()
            ton = int(self._setting("source_ton", 1 if numeric else 5 if name else 0))
            npi = int(self._setting("source_npi", 1 if numeric else 0))
            field = address_field(ton, npi, digits if numeric else name)
            if len(self._sources) >= MAX_SOURCES:
                self._sources.clear()
            self._sources[sender] = field
        return field

    def _plan(self, batch, index, submission):
        """Encode `submission` once and queue its parts in `batch`."""
        coding, parts = encode_text(submission.text, submission.encoding)
        parts, esm_class = with_udh(parts)
        to = submission.to.strip()
        destination = address_field(1 if to.startswith("+") else 0, 1, to.lstrip("+"))
        batch.plan(index, (self._source(submission.sender), destination, esm_class, coding), parts)

    def send(self, submissions):
        """Submit every part of every submission over the bind, `window` at a time."""
        incoming = []
        try:
            with self._lock:
                session = self._bound_session(incoming)
                batch = _Batch(submissions, self._window, self._registered_delivery)
                for index, submission in enumerate(submissions):
                    try:
                        self._plan(batch, index, submission)
                    except ValueError as exc:
                        batch.refuse(index, str(exc))
                try:
                    batch.run(session, lambda pdu: self._answer(session, pdu, incoming))
                except BindLost as exc:
                    log.warning("SMS gateway %s: SMPP bind lost mid-batch: %s", self.gateway.name, exc)
                    self._drop()
                    batch.lost(str(exc))
                except Exception as exc:
                    log.exception("SMS gateway %s: SMPP batch broke off", self.gateway.name)
                    self._drop()
                    batch.lost(f"{type(exc).__name__}: {exc}")
        finally:
            self._park(incoming)
        return batch.results(self.gateway.id)

    # -- what the SMSC sends us -------------------------------------------------------------------

    def poll(self):
        """Read the bind for a few seconds (binding when needed), then handle the receipts and
        received messages parked by this or any other process."""
        incoming = []
        try:
            with self._lock:
                session = self._bound_session(incoming)
                deadline = time.monotonic() + POLL_READ_SECONDS
                wait = POLL_IDLE_SECONDS if incoming else POLL_QUIET_SECONDS  # the bind check may have read some
                try:
                    while time.monotonic() < deadline:
                        pdu = session.read(min(wait, max(0.0, deadline - time.monotonic())))
                        if pdu is None:
                            break
                        wait = POLL_IDLE_SECONDS  # more may follow once the SMSC has our answer
                        self._answer(session, pdu, incoming)
                except BindLost as exc:
                    log.info("SMS gateway %s: SMPP bind lost while polling: %s", self.gateway.name, exc)
                    self._drop()
        finally:
            self._park(incoming)
        self.handle_parked()

    def _park(self, records):
        if records:
            key = _key(self.gateway.id, "incoming")
            pipe = get_redis().pipeline()
            pipe.rpush(key, *[json.dumps(r) for r in records])
            pipe.ltrim(key, -MAX_PARKED, -1)
            length = pipe.execute()[0]
            if length > MAX_PARKED:
                log.warning("SMS gateway %s: %d receipts and received messages waiting; the oldest %d dropped",
                            self.gateway.name, length, length - MAX_PARKED)

    def handle_parked(self, limit=10_000):
        """Apply parked receipts and received messages; returns how many were handled."""
        redis = get_redis()
        key = _key(self.gateway.id, "incoming")
        retry, handled = [], 0
        while handled < limit and (raw := redis.lpop(key)) is not None:
            handled += 1
            record = json.loads(raw)
            try:
                if record["kind"] == "receipt":
                    if not self._receipt(record) and time.time() - record["at"] < UNKNOWN_RECEIPT_SECONDS:
                        retry.append(raw)
                else:
                    self._inbound(record)
            except Exception:  # one bad record must not block the rest
                log.exception("SMS gateway %s: could not handle %s", self.gateway.name, record)
        if retry:
            redis.rpush(key, *retry)
        return handled

    def _receipt(self, record):
        state = STATS.get(record["stat"].upper(), "failed")
        error = record["stat"] + (f" err:{record['err']}" if record.get("err") not in (None, "", "000") else "")
        return receipts.receipt(self.gateway, state, ref=record["ref"], error=error) is not None

    def _inbound(self, record):
        from .. import inbound

        data = bytes.fromhex(record["data"])
        ref, total, part = record.get("concat") or (0, 1, 1)
        if not 1 <= part <= total:
            log.warning("SMS gateway %s: part %s of %s from %s ignored", self.gateway.name, part, total,
                        record["source"])
            return
        if total > 1:  # parts wait in Redis (at most 255 of at most 140 bytes each) for a day
            key = _key(self.gateway.id, f"parts:{record['source']}:{ref}:{total}")
            redis = get_redis()
            redis.hset(key, str(part), record["data"])
            redis.expire(key, INBOUND_PARTS_SECONDS)
            parts = redis.hgetall(key)
            if len(parts) < total:
                return
            redis.delete(key)
            data = b"".join(bytes.fromhex(parts[str(n).encode()].decode()) for n in range(1, total + 1))
        source = record["source"]
        if record.get("ton") == 1 and source.isdigit():
            source = "+" + source
        inbound.received(self.gateway, source, decode(data, record["coding"]), recipient=record["dest"])

    # -- the admin's check and the end -----------------------------------------------------------

    def test_connection(self):
        """Bind, enquire_link, unbind: what the SMSC answered."""
        session = self._new_session()
        try:
            smsc = self._bind(session)
            session.enquire_link()
            session.unbind()
        except (SmppError, BindLost) as exc:
            raise ProviderError(f"SMPP {session.host}:{session.port}: {exc}") from exc
        finally:
            session.close()
        return str(_l("Bound to %(smsc)s as %(system_id)s; the link answers.", smsc=smsc or session.host,
                      system_id=self._setting("system_id")))

    def close(self):
        with self._lock:
            if self._session is not None:
                self._session.unbind()
                self._session = None


class _Batch:
    """The parts of a batch of submissions on their way: which went out, what each answer said."""

    def __init__(self, submissions, window, registered_delivery):
        self.submissions = submissions
        self.window = max(1, min(100, window))
        # The window is refilled once this many places are free, not at every answer: one write
        # (one system call, one TCP segment) carries several submit_sm and the SMSC still always
        # has most of the window to work on.
        self.refill = max(1, self.window // 4)
        self.registered_delivery = registered_delivery
        self.envelopes = {}  # index -> (source, destination, esm_class, data_coding): the same for every part
        self.parts = {}  # index -> [short_message of part n]
        self.ids = {}  # index -> [SMSC message id or None per part]
        self.errors = {}  # index -> [command_status]
        self.final = {}  # index -> SendResult decided early
        self.in_flight = {}  # sequence -> (index, part)
        self.submitted = {}  # index -> parts that went out
        self.queue = deque()
        self.halted = ""  # why no further message starts (throttled, bind lost)
        self.lost_error = ""

    def plan(self, index, envelope, parts):
        """Queue the parts of submission `index`; a submit_sm (and its sequence number) is made
        for each only when the window lets it go."""
        self.envelopes[index] = envelope
        self.parts[index] = parts
        self.ids[index] = [None] * len(parts)
        self.errors[index] = []
        self.queue.extend((index, n) for n in range(len(parts)))

    def refuse(self, index, error):
        self.final[index] = SendResult.permanent(self.submissions[index].message_id, error)

    def run(self, session, answer):
        """Submit and collect answers until every part is answered; raises BindLost."""
        while self.queue or self.in_flight:
            self._fill(session)
            if not self.in_flight:
                continue
            pdu = session.read(session.timeout * 3)
            if pdu is None:
                raise BindLost(f"no answer to {len(self.in_flight)} submit_sm")
            while pdu is not None:  # take every answer already received before refilling the window
                self._take(pdu, answer)
                pdu = session.buffered()

    def _fill(self, session):
        """Submit parts until the window is full, in one write (once `refill` places are free)."""
        if self.in_flight and self.window - len(self.in_flight) < min(self.refill, len(self.queue)):
            return
        out = []
        while self.queue and len(self.in_flight) < self.window:
            index, part = self.queue.popleft()
            if part == 0 and self.halted:
                continue  # never started: results() makes it transient
            source, destination, esm_class, coding = self.envelopes[index]
            sequence, data = session.submit_sm(self.parts[index][part], source, destination, esm_class, coding,
                                               self.registered_delivery)
            self.in_flight[sequence] = (index, part)
            self.submitted[index] = self.submitted.get(index, 0) + 1
            out.append(data)
        if out:
            session.send_bytes(b"".join(out))

    def _take(self, pdu, answer):
        if pdu.command in ("submit_sm_resp", "generic_nack") and pdu.sequence in self.in_flight:
            index, part = self.in_flight.pop(pdu.sequence)
            if pdu.status == consts.SMPP_ESME_ROK and pdu.command == "submit_sm_resp":
                self.ids[index][part] = pdu.message_id
            else:
                self.errors[index].append(pdu.status)
                if pdu.status in TRANSIENT:
                    self.halted = status_name(pdu.status)
        else:
            answer(pdu)

    def lost(self, error):
        """The bind ended: answers in flight will never come."""
        self.halted = self.halted or error
        self.lost_error = error
        for index, _part in self.in_flight.values():
            self.errors[index].append(None)
        self.in_flight.clear()

    def results(self, gateway_id):
        """One SendResult per submission, in order."""
        out = []
        for index, submission in enumerate(self.submissions):
            message_id = submission.message_id
            if index in self.final:
                out.append(self.final[index])
                continue
            ids, errors = self.ids[index], self.errors[index]
            if all(ids):
                for ref in ids[1:]:
                    if message_id:
                        receipts.remember_ref(gateway_id, ref, message_id)
                out.append(SendResult.accepted(message_id, ids[0], units=len(ids)))
            elif not self.submitted.get(index):
                out.append(SendResult.transient(message_id, f"not submitted: {self.halted or 'batch stopped'}",
                                                retry_after=THROTTLED_RETRY_SECONDS if self.halted else None))
            elif None in errors:  # we cannot know whether the SMSC took it
                out.append(SendResult.uncertain(message_id, f"SMPP bind lost before the SMSC answered: "
                                                            f"{self.lost_error}"))
            elif any(ids):  # a part is out: sending it again would repeat that part
                why = status_name(errors[0]) if errors else f"the rest not submitted: {self.lost_error}"
                out.append(SendResult.uncertain(message_id, f"only {sum(1 for i in ids if i)} of {len(ids)} "
                                                            f"parts accepted: {why}"))
            elif all(e in TRANSIENT for e in errors):
                out.append(SendResult.transient(message_id, f"SMSC busy: {status_name(errors[0])}",
                                                retry_after=THROTTLED_RETRY_SECONDS))
            else:
                permanent = next(e for e in errors if e not in TRANSIENT)
                out.append(SendResult.permanent(message_id, f"SMSC refused: {status_name(permanent)}"))
        return out


@hookimpl
def register_sms_providers():
    """The built-in smpp kind."""
    return [SmppProvider]
