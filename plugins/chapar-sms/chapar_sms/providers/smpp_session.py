"""One SMPP 3.4 connection: bind, PDUs in and out, and the pieces of text a submit_sm carries.

smpplib gives the PDU codecs, except for the PDUs a batch sends and gets thousands of (submit_sm
and its answers), which are packed and read here. The socket handling is ours so a read can wait
with a timeout without losing half a PDU (bytes are kept in a buffer until a whole PDU is there).
"""
import logging
import random
import re
import select
import socket
import struct
import time

from smpplib import consts, smpp
from smpplib.gsm import GSM_CHARACTER_TABLE

UDHI = 0x40  # esm_class: the short message starts with a user data header
RECEIPT = 0x04  # esm_class: a deliver_sm that is an SMSC delivery receipt
CODING_GSM7, CODING_LATIN1, CODING_UCS2 = 0, 3, 8
# (one message, one part of a concatenated one) in octets: 160/153 septets unpacked, 140/134 UCS-2 bytes
LIMITS = {CODING_GSM7: (160, 153), CODING_UCS2: (140, 134)}
STATUS_NAMES = {getattr(consts, name): name[len("SMPP_"):] for name in dir(consts) if name.startswith("SMPP_ESME_")}
MAX_PDU = 64 * 1024
SUBMIT_SM = 0x00000004
SUBMIT_SM_RESP, GENERIC_NACK = 0x80000004, 0x80000000
# The answers a batch gets thousands of, read without smpplib (its generic parser costs more per
# PDU than the rest of a submit's round trip); every other PDU still goes through smpplib.
QUICK_ANSWERS = {SUBMIT_SM_RESP: "submit_sm_resp", GENERIC_NACK: "generic_nack"}
HEADER = struct.Struct(">LLLL")  # command_length, command_id, command_status, sequence_number
LENGTH = struct.Struct(">L")
log = logging.getLogger(__name__)


# GSM 03.38 as smpplib reads it (unpacked septets; the extension table after the 0x1B escape), as a dict:
# smpplib's gsm_encode looks every character up in the table string, the slowest part of a batch.
GSM_BYTES = {}
for _index, _char in enumerate(GSM_CHARACTER_TABLE):
    GSM_BYTES.setdefault(_char, bytes((_index,)) if _index < 0x80 else bytes((0x1B, _index - 0x80)))
GSM_CHARS = frozenset(GSM_BYTES)
# The same for str.translate: each character to its octets as Latin-1 characters (one pass in C).
GSM_TRANSLATION = {ord(char): octets.decode("latin-1") for char, octets in GSM_BYTES.items()}


def gsm_encode(text):
    """`text` in the GSM 7-bit default alphabet, one septet an octet; UnicodeError when it cannot be."""
    if not GSM_CHARS.issuperset(text):
        foreign = next(char for char in text if char not in GSM_CHARS)
        raise UnicodeError(f"not in the GSM alphabet: {foreign!r}")
    return text.translate(GSM_TRANSLATION).encode("latin-1")


class SmppError(Exception):
    """The SMSC refused a request: `status` is the SMPP command_status."""

    def __init__(self, status, what):
        self.status = status
        super().__init__(f"{what}: {status_name(status)}")


class BindLost(Exception):
    """The connection ended or stopped answering; what was in flight is unknown."""


def status_name(status):
    """`ESME_RTHROTTLED (0x58)` for people and logs."""
    name = STATUS_NAMES.get(status, "unknown error")
    description = consts.DESCRIPTIONS.get(status, "")
    return f"{name} (0x{status:02X}){' ' + description if description else ''}"


def text_value(value):
    """A C-octet string field as parsed by smpplib (bytes) or set by us (str), as str."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value or ""


def split_text(text, coding):
    """The user data of each part: [bytes] (one item when it fits in one SMS), UDH not included.

    A part never ends inside a character: a GSM escape pair or a UTF-16 surrogate pair stays whole."""
    whole = gsm_encode(text) if coding == CODING_GSM7 else text.encode("utf-16-be")
    return _parts(text, whole, coding)


def _parts(text, whole, coding):
    """split_text with `text` already encoded as `whole`: the common single part costs nothing more."""
    single, part_size = LIMITS[coding]
    if len(whole) <= single:
        return [whole]
    parts, current = [], b""
    for piece in (encode_char(char, coding) for char in text):
        if len(current) + len(piece) > part_size:
            parts.append(current)
            current = b""
        current += piece
    parts.append(current)
    if len(parts) > 255:
        raise ValueError("message too long for SMS concatenation (more than 255 parts)")
    return parts


def encode_char(char, coding):
    return gsm_encode(char) if coding == CODING_GSM7 else char.encode("utf-16-be")


def coding_for(text, encoding):
    """The data_coding for a Submission's encoding, UCS-2 when smpplib's GSM table lacks a character."""
    if encoding == "gsm7":
        try:
            gsm_encode(text)
            return CODING_GSM7
        except UnicodeError:
            pass
    return CODING_UCS2


def encode_text(text, encoding):
    """(data_coding, user data of each part) of a Submission's text: coding_for and split_text
    in one, encoding the text once (ValueError past 255 parts)."""
    if encoding == "gsm7":
        try:
            return CODING_GSM7, _parts(text, gsm_encode(text), CODING_GSM7)
        except UnicodeError:
            pass
    return CODING_UCS2, _parts(text, text.encode("utf-16-be"), CODING_UCS2)


def address_field(ton, npi, address):
    """TON, NPI and the address as a C-octet string (at most 20 octets): how submit_sm carries the
    source and the destination. Built once per sender and once per number, not per part."""
    return bytes((ton, npi)) + address.encode("latin-1", "replace")[:20] + b"\0"


def with_udh(parts):
    """Prefix each part with a concatenation header (8-bit reference IE 00 03 ref total part)."""
    if len(parts) == 1:
        return parts, 0
    ref = random.randint(0, 255)
    return [bytes((5, 0, 3, ref, len(parts), n)) + part for n, part in enumerate(parts, start=1)], UDHI


def split_udh(short_message, esm_class):
    """(concatenation (ref, total, part) or None, user data) of a received short message."""
    data = short_message or b""
    if not esm_class & UDHI or not data:
        return None, data
    length = data[0]
    header, body = data[1:1 + length], data[1 + length:]
    i = 0
    while i + 1 < len(header):
        ie, size = header[i], header[i + 1]
        value = header[i + 2:i + 2 + size]
        if ie == 0 and size == 3:
            return (value[0], value[1], value[2]), body
        if ie == 8 and size == 4:  # 16-bit reference
            return ((value[0] << 8) | value[1], value[2], value[3]), body
        i += 2 + size
    return None, body


def decode(data, coding):
    """The text of user data in `coding` (GSM 7-bit unpacked, UCS-2, Latin-1; else ASCII-ish)."""
    if coding == CODING_UCS2:
        return data.decode("utf-16-be", errors="replace")
    if coding == CODING_GSM7:
        out, escape = [], False
        for byte in data:
            if byte == 0x1B:
                escape = True
                continue
            index = byte + 0x80 if escape else byte
            escape = False
            out.append(GSM_CHARACTER_TABLE[index] if index < len(GSM_CHARACTER_TABLE) else "?")
        return "".join(out)
    return data.decode("latin-1")


# the message_state TLV, as the receipt text's stat would say it
MESSAGE_STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN",
                  8: "REJECTD"}
RECEIPT_FIELDS = re.compile(r"(\w+(?: date)?):(\S*)")


def parse_receipt_text(text):
    """{"id": …, "stat": …, "err": …} from the conventional receipt text (SMPP 3.4 appendix B)."""
    return {key.lower(): value for key, value in RECEIPT_FIELDS.findall(text or "")}


def deliver_record(pdu):
    """A deliver_sm as a JSON-able record: a receipt {ref, stat, err} or a received part."""
    esm_class, coding = pdu.esm_class or 0, pdu.data_coding or 0
    data = pdu.short_message or pdu.message_payload or b""
    if esm_class & RECEIPT:
        fields = parse_receipt_text(data.decode("latin-1"))
        ref = text_value(pdu.receipted_message_id) or fields.get("id", "")
        stat = MESSAGE_STATES.get(pdu.message_state) or fields.get("stat", "UNKNOWN")
        return {"kind": "receipt", "ref": ref, "stat": stat, "err": fields.get("err", ""), "at": time.time()}
    concat, body = split_udh(data, esm_class)
    return {"kind": "inbound", "source": text_value(pdu.source_addr), "ton": pdu.source_addr_ton,
            "dest": text_value(pdu.destination_addr), "coding": coding, "concat": concat, "data": body.hex(),
            "at": time.time()}


def _timeval(seconds):
    """A struct timeval for SO_RCVTIMEO and SO_SNDTIMEO."""
    return struct.pack("@ll", int(seconds), int(seconds % 1 * 1_000_000))


class Answer:
    """A submit_sm_resp or generic_nack as read by Session (the fields _Batch needs)."""

    __slots__ = ("command", "sequence", "status", "message_id")

    def __init__(self, command, sequence, status, message_id):
        self.command, self.sequence, self.status, self.message_id = command, sequence, status, message_id


class Session:
    """A TCP connection to an SMSC and its bind. Not thread-safe: the provider holds a lock."""

    def __init__(self, host, port, timeout=10):
        self.host, self.port, self.timeout = host, int(port), timeout
        self._sequence = 0
        # Received bytes; PDUs before `_start` were read already. Compacted once per recv, not
        # sliced per PDU (a window's worth of answers arrives in one chunk).
        self._buffer = bytearray()
        self._start = 0
        self._poll = None
        self._receive_timeout = None  # what SO_RCVTIMEO is set to
        self.sock = None
        self.bound = False
        self.last_activity = 0.0

    # smpplib's PDU classes number requests through these two
    @property
    def sequence(self):
        return self._sequence

    def next_sequence(self):
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    def pdu(self, command, **fields):
        """A new PDU of `command` with its sequence number."""
        return smpp.make_pdu(command, client=self, **fields)

    def bind(self, system_id, password, system_type="", mode="bind_transceiver"):
        """Connect and bind; returns the SMSC's system_id. Raises SmppError, BindLost."""
        try:
            self.attach(socket.create_connection((self.host, self.port), timeout=self.timeout))
        except OSError as exc:
            raise BindLost(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        request = self.pdu(mode, system_id=system_id, password=password, system_type=system_type or "",
                           addr_ton=0, addr_npi=0, address_range="")
        self.send(request)
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self.read(max(0.0, deadline - time.monotonic()))
            if answer is None:
                raise BindLost(f"no answer to {mode} from {self.host}:{self.port}")
            if answer.command == f"{mode}_resp" and answer.sequence == request.sequence:
                break
        if answer.status != consts.SMPP_ESME_ROK:
            raise SmppError(answer.status, "bind refused")
        self.bound = True
        return text_value(answer.system_id)

    def attach(self, sock):
        """Use `sock`, a TCP connection to the SMSC, for this session (bind() opens one)."""
        self.sock = sock
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # A blocking socket with the kernel's timeouts: a read or a write is then one system call,
        # where Python's own timeouts add a poll() before each. Every system call lets the worker's
        # main thread take the GIL, and the send thread may then wait for it a switch interval.
        sock.settimeout(None)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(self.timeout))
        self._receive_timeout = None
        self._poll = select.poll()  # for a zero timeout: "is anything there?" without an exception
        self._poll.register(sock, select.POLLIN)

    def submit_sm(self, short_message, source, destination, esm_class, data_coding, registered_delivery):
        """(sequence, bytes) of a submit_sm, packed here: smpplib's generic PDU builder costs more
        than the rest of a send, and this is the one PDU a batch sends thousands of. `source` and
        `destination` are address_field()s."""
        sequence = self.next_sequence()
        body = b"".join((
            b"\0", source, destination,  # an empty service_type first
            # protocol_id, priority, no schedule, default validity; replace_if_present, sm_default_msg_id
            bytes((esm_class, 0, 0, 0, 0, registered_delivery, 0, data_coding, 0, len(short_message))),
            short_message))
        return sequence, HEADER.pack(16 + len(body), SUBMIT_SM, 0, sequence) + body

    def send(self, pdu):
        self.send_bytes(pdu.generate())

    def send_bytes(self, data):
        """Write PDUs already packed (several at once: one system call for a window's worth)."""
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise BindLost(f"connection lost: {exc}") from exc
        self.last_activity = time.monotonic()

    def read(self, timeout):
        """The next PDU, or None when none came within `timeout` seconds. Raises BindLost.
        A zero timeout still takes what the socket holds."""
        deadline = None
        while True:
            pdu = self.buffered()
            if pdu is not None:
                return pdu
            if deadline is None:  # the first wait is `timeout` itself: a batch's reads all set the same
                deadline, wait = time.monotonic() + timeout, timeout
            else:  # the rest of a PDU
                wait = deadline - time.monotonic()
            if not self._receive(wait):
                return None

    def buffered(self):
        """The next PDU already received whole, or None: no system call. Raises BindLost."""
        buffer = self._buffer
        while len(buffer) - self._start >= 4:
            start = self._start
            (length,) = LENGTH.unpack_from(buffer, start)
            if length < 16 or length > MAX_PDU:
                raise BindLost(f"broken PDU from the SMSC (length {length})")
            if len(buffer) - start < length:
                return None
            self._start = start + length
            pdu = self._parse(buffer, start, start + length)
            if pdu is not None:
                return pdu
        return None

    def _receive(self, wait):
        """Add what the socket holds to the buffer, waiting at most `wait` seconds for something
        to come; False when nothing did."""
        try:
            if wait <= 0:
                if not self._poll.poll(0):
                    return False
            else:
                self._wait_at_most(wait)
            chunk = self.sock.recv(65536)
        except (TimeoutError, BlockingIOError):  # SO_RCVTIMEO passed: nothing came
            return False
        except (OSError, AttributeError) as exc:  # AttributeError: closed (no socket, no poll) meanwhile
            raise BindLost(f"connection lost: {exc}") from exc
        if not chunk:
            raise BindLost("the SMSC closed the connection")
        if self._start:
            del self._buffer[:self._start]
            self._start = 0
        self._buffer += chunk
        self.last_activity = time.monotonic()
        return True

    def _wait_at_most(self, seconds):
        """Let a recv wait `seconds` (to the millisecond; 0 would be forever)."""
        seconds = max(0.001, round(seconds, 3))
        if seconds != self._receive_timeout:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(seconds))
            self._receive_timeout = seconds

    def _parse(self, buffer, start, end):
        """The PDU in buffer[start:end]; one we cannot read is answered with generic_nack (as SMPP
        asks) and skipped."""
        _length, command_id, status, sequence = HEADER.unpack_from(buffer, start)
        command = QUICK_ANSWERS.get(command_id)
        if command is not None:
            message_id = ""
            if command_id == SUBMIT_SM_RESP and end > start + 16:  # a C-octet string, when there
                nul = buffer.find(0, start + 16, end)
                message_id = buffer[start + 16:end if nul < 0 else nul].decode("latin-1")
            return Answer(command, sequence, status, message_id)
        try:
            return smpp.parse_pdu(bytes(buffer[start:end]), client=self, allow_unknown_opt_params=True)
        except Exception as exc:  # noqa: BLE001 - smpplib raises anything on a malformed PDU
            log.warning("unreadable PDU 0x%08X from the SMSC skipped: %s", command_id, exc)
            if not command_id & 0x80000000:  # a request: tell the SMSC
                nack = self.pdu("generic_nack", status=consts.SMPP_ESME_RINVCMDID)
                nack.sequence = sequence
                self.send(nack)
            return None

    def respond(self, request, command, status=consts.SMPP_ESME_ROK):
        """Answer `request` with a `command` PDU carrying its sequence number."""
        answer = self.pdu(command, status=status)
        answer.sequence = request.sequence  # smpplib ignores a sequence given to the constructor
        self.send(answer)

    def enquire_link(self):
        """Send enquire_link and wait for its answer, answering whatever comes before it.
        Returns the PDUs received meanwhile (deliver_sm the caller must handle)."""
        request = self.pdu("enquire_link")
        self.send(request)
        deadline = time.monotonic() + self.timeout
        others = []
        while True:
            answer = self.read(max(0.0, deadline - time.monotonic()))
            if answer is None:
                raise BindLost("no answer to enquire_link")
            if answer.command == "enquire_link_resp" and answer.sequence == request.sequence:
                return others
            others.append(answer)

    def unbind(self):
        """Unbind politely (not waiting long) and close."""
        try:
            if self.bound and self.sock is not None:
                self.send(self.pdu("unbind"))
                deadline = time.monotonic() + min(self.timeout, 2)
                while (answer := self.read(max(0.0, deadline - time.monotonic()))) is not None:
                    if answer.command == "unbind_resp":
                        break
        except (BindLost, OSError):
            pass
        self.close()

    def close(self):
        self.bound = False
        self._poll = None
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
