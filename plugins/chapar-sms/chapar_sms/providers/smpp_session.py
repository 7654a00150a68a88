"""One SMPP 3.4 connection: bind, PDUs in and out, and the pieces of text a submit_sm carries.

smpplib gives the PDU codecs; the socket handling is ours so a read can wait with a timeout
without losing half a PDU (bytes are kept in a buffer until a whole PDU is there).
"""
import logging
import random
import re
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
log = logging.getLogger(__name__)


# GSM 03.38 as smpplib reads it (unpacked septets; the extension table after the 0x1B escape), as a dict:
# smpplib's gsm_encode looks every character up in the table string, the slowest part of a batch.
GSM_BYTES = {}
for _index, _char in enumerate(GSM_CHARACTER_TABLE):
    GSM_BYTES.setdefault(_char, bytes((_index,)) if _index < 0x80 else bytes((0x1B, _index - 0x80)))


def gsm_encode(text):
    """`text` in the GSM 7-bit default alphabet, one septet an octet; UnicodeError when it cannot be."""
    try:
        return b"".join(map(GSM_BYTES.__getitem__, text))
    except KeyError as exc:
        raise UnicodeError(f"not in the GSM alphabet: {exc}") from None


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
    single, part_size = LIMITS[coding]
    whole = gsm_encode(text) if coding == CODING_GSM7 else text.encode("utf-16-be")
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


class Session:
    """A TCP connection to an SMSC and its bind. Not thread-safe: the provider holds a lock."""

    def __init__(self, host, port, timeout=10):
        self.host, self.port, self.timeout = host, int(port), timeout
        self._sequence = 0
        self._buffer = b""
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
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise BindLost(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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

    def submit_sm(self, short_message, *, source_addr, source_addr_ton, source_addr_npi, destination_addr,
                  dest_addr_ton, dest_addr_npi, esm_class, data_coding, registered_delivery):
        """(sequence, bytes) of a submit_sm, packed here: smpplib's generic PDU builder costs more
        than the rest of a send, and this is the one PDU a batch sends thousands of."""
        sequence = self.next_sequence()
        body = b"".join((
            b"\0", bytes((source_addr_ton, source_addr_npi)), source_addr.encode("latin-1", "replace")[:20], b"\0",
            bytes((dest_addr_ton, dest_addr_npi)), destination_addr.encode("latin-1", "replace")[:20], b"\0",
            bytes((esm_class, 0, 0)), b"\0\0",  # protocol_id, priority; no schedule, default validity
            bytes((registered_delivery, 0, data_coding, 0, len(short_message))), short_message))
        return sequence, struct.pack(">LLLL", 16 + len(body), SUBMIT_SM, 0, sequence) + body

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
        """The next PDU, or None when none came within `timeout` seconds. Raises BindLost."""
        deadline = time.monotonic() + timeout
        tried = False  # a zero timeout still looks once at what the socket holds
        while True:
            if len(self._buffer) >= 4:
                (length,) = struct.unpack(">L", self._buffer[:4])
                if length < 16 or length > MAX_PDU:
                    raise BindLost(f"broken PDU from the SMSC (length {length})")
                if len(self._buffer) >= length:
                    raw, self._buffer = self._buffer[:length], self._buffer[length:]
                    self.last_activity = time.monotonic()
                    pdu = self._parse(raw)
                    if pdu is not None:
                        return pdu
                    continue
            left = deadline - time.monotonic()
            if left <= 0 and tried:
                return None
            tried = True
            self.sock.settimeout(max(left, 0.0))
            try:
                chunk = self.sock.recv(65536)
            except (TimeoutError, BlockingIOError):
                return None
            except OSError as exc:
                raise BindLost(f"connection lost: {exc}") from exc
            if not chunk:
                raise BindLost("the SMSC closed the connection")
            self._buffer += chunk

    def _parse(self, raw):
        """The PDU in `raw`; one we cannot read is answered with generic_nack (as SMPP asks) and skipped."""
        try:
            return smpp.parse_pdu(raw, client=self, allow_unknown_opt_params=True)
        except Exception as exc:  # noqa: BLE001 - smpplib raises anything on a malformed PDU
            command_id, sequence = struct.unpack(">L4xL", raw[4:16])
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
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
