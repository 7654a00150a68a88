"""A small SMSC for the tests: real SMPP 3.4 PDUs over TCP, in threads of the test process.

It checks the bind's credentials, answers submit_sm with message ids, records every part (and
reassembles concatenated ones), sends delivery receipts (UNDELIV for numbers it is told cannot be
reached), injects received messages (deliver_sm, UCS-2 for Persian, concatenated when long), and
can be told to throttle or to drop the connection in the middle of a batch.

    with SmscSimulator() as smsc:
        smsc.port, smsc.messages, smsc.inject("+989120000000", "STOP")
"""
import itertools
import socket
import struct
import threading
import time

from chapar_process import free_port
from smpplib import consts, smpp

from chapar_sms.providers.smpp_session import (CODING_GSM7, CODING_UCS2, RECEIPT, coding_for, decode, split_text,
                                                split_udh, text_value, with_udh)

BIND_MODES = {"bind_transceiver": "transceiver", "bind_receiver": "receiver", "bind_transmitter": "transmitter"}


class _Connection:
    """One ESME's TCP connection; writes are serialised (the test thread injects messages)."""

    def __init__(self, sock):
        self.sock = sock
        self.mode = None
        self._sequence = 0
        self._write = threading.Lock()
        self.buffer = b""

    @property
    def sequence(self):
        return self._sequence

    def next_sequence(self):
        self._sequence += 1
        return self._sequence

    def send(self, pdu):
        self.send_bytes(pdu.generate())

    def send_bytes(self, data):
        with self._write:
            self.sock.sendall(data)

    def answer(self, request, command, status=consts.SMPP_ESME_ROK, **fields):
        pdu = smpp.make_pdu(command, client=self, status=status, **fields)
        pdu.sequence = request.sequence
        self.send(pdu)

    def read(self):
        """The next PDU, or None when the peer closed."""
        while True:
            if len(self.buffer) >= 4:
                (length,) = struct.unpack(">L", self.buffer[:4])
                if len(self.buffer) >= length:
                    raw, self.buffer = self.buffer[:length], self.buffer[length:]
                    return smpp.parse_pdu(raw, client=self, allow_unknown_opt_params=True)
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class _Discard(list):
    """A list that keeps nothing."""

    def append(self, item):
        pass


class SmscSimulator:
    """Start with `with SmscSimulator(...) as smsc:` (or start()/stop())."""

    def __init__(self, system_id="chapar", password="secret", undeliverable=(), receipts=True, name="TestSMSC"):
        self.system_id, self.password, self.name = system_id, password, name
        self.undeliverable = set(undeliverable)  # destination addresses (without +) whose receipt is UNDELIV
        self.receipts = receipts
        self.host, self.port = "127.0.0.1", free_port()
        self.parts = []  # every submit_sm taken: {to, sender, source_ton, coding, esm_class, udh, data, id}
        self.messages = []  # whole messages: {to, sender, text, parts, ids}
        self.binds = []  # (mode, system_id, accepted)
        self.deliver_answers = 0  # deliver_sm_resp received
        self.nacks = []  # generic_nack statuses received
        self.taken = 0  # submit_sm answered with a message id (or taken before a drop)
        self._lock = threading.Lock()
        self._pending = {}  # (to, ref, total) -> {part: data}
        self._ids = itertools.count(1000)
        self._throttle = 0
        self._drop_after = None
        self._connections = []
        self._listener = None
        self._threads = []

    # -- control ---------------------------------------------------------------------------------

    def start(self):
        self._listener = socket.create_server((self.host, self.port))
        self._spawn(self._accept)
        return self

    def stop(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone does not)
            except OSError:
                pass
            listener.close()
        for connection in list(self._connections):
            connection.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def throttle(self, count):
        """Answer the next `count` submit_sm with ESME_RTHROTTLED."""
        with self._lock:
            self._throttle = count

    def drop_after(self, count):
        """Answer `count` more submit_sm, then take the next one (it reaches the handset) and close
        the connection without answering it."""
        with self._lock:
            self._drop_after = count

    def numbers(self):
        """The destination of every whole message received, in order (with +)."""
        with self._lock:
            return ["+" + m["to"] for m in self.messages]

    def texts_to(self, number):
        with self._lock:
            return [m["text"] for m in self.messages if "+" + m["to"] == number]

    def wait_for(self, condition, timeout=10):
        """Wait until condition() is true (the simulator works in its own threads); returns it."""
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.02)
        return condition()

    def inject(self, source, text, destination="Chapar"):
        """Send a received message (mobile-originated) to a bound receiver; UCS-2 when the text
        needs it, concatenated when long. Returns the number of deliver_sm sent."""
        connection = next((c for c in self._connections if c.mode in ("transceiver", "receiver")), None)
        if connection is None:
            raise RuntimeError("no ESME is bound to receive")
        coding = coding_for(text, "gsm7")
        parts, esm_class = with_udh(split_text(text, coding))
        for part in parts:
            connection.send(smpp.make_pdu(
                "deliver_sm", client=connection, source_addr=source.lstrip("+"),
                source_addr_ton=1 if source.startswith("+") else 0, source_addr_npi=1, destination_addr=destination,
                esm_class=esm_class, data_coding=coding, short_message=part))
        return len(parts)

    # -- the SMSC --------------------------------------------------------------------------------

    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self):
        listener = self._listener
        while self._listener is not None:
            try:
                sock, _address = listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # answers go at once, as an SMSC's do
            connection = _Connection(sock)
            self._connections.append(connection)
            self._spawn(self._serve, connection)

    def _serve(self, connection):
        try:
            while (pdu := connection.read()) is not None:
                if not self._handle(connection, pdu):
                    break
        except OSError:
            pass
        finally:
            if connection in self._connections:
                self._connections.remove(connection)
            connection.close()

    def _handle(self, connection, pdu):
        """Act on one PDU; False ends the connection."""
        command = pdu.command
        if command in BIND_MODES:
            ok = text_value(pdu.system_id) == self.system_id and text_value(pdu.password) == self.password
            known = text_value(pdu.system_id) == self.system_id
            status = consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RINVPASWD if known else consts.SMPP_ESME_RINVSYSID
            with self._lock:
                self.binds.append((BIND_MODES[command], text_value(pdu.system_id), ok))
            connection.mode = BIND_MODES[command] if ok else None
            connection.answer(pdu, command + "_resp", status=status, system_id=self.name if ok else "")
        elif connection.mode is None and command not in ("unbind", "enquire_link", "generic_nack"):
            connection.answer(pdu, "generic_nack", status=consts.SMPP_ESME_RINVBNDSTS)
        elif command == "submit_sm":
            return self._submit(connection, pdu)
        elif command == "enquire_link":
            connection.answer(pdu, "enquire_link_resp")
        elif command == "unbind":
            connection.answer(pdu, "unbind_resp")
            return False
        elif command == "generic_nack":
            with self._lock:
                self.nacks.append(pdu.status)
        elif command == "deliver_sm_resp":
            with self._lock:
                self.deliver_answers += 1
        return True

    def _submit(self, connection, pdu):
        if connection.mode == "receiver":
            connection.answer(pdu, "submit_sm_resp", status=consts.SMPP_ESME_RINVBNDSTS)
            return True
        with self._lock:
            if self._throttle:
                self._throttle -= 1
                throttled = True
            else:
                throttled = False
                drop = self._drop_after == 0
                if self._drop_after is not None:
                    self._drop_after = None if drop else self._drop_after - 1
                message_id = f"{next(self._ids):X}"
                self._record(pdu, message_id)
        if throttled:
            connection.answer(pdu, "submit_sm_resp", status=consts.SMPP_ESME_RTHROTTLED)
            return True
        if drop:
            return False  # taken, never answered: the ESME cannot know
        connection.answer(pdu, "submit_sm_resp", message_id=message_id)
        if self.receipts and pdu.registered_delivery and connection.mode == "transceiver":
            self._receipt(connection, text_value(pdu.destination_addr), message_id)
        return True

    def _record(self, pdu, message_id):
        """Note one part (under the lock) and, when its message is whole, the message."""
        self.taken += 1
        to, esm_class, coding = text_value(pdu.destination_addr), pdu.esm_class or 0, pdu.data_coding or 0
        udh, data = split_udh(pdu.short_message or b"", esm_class)
        sender = text_value(pdu.source_addr)
        self.parts.append({"to": to, "sender": sender, "source_ton": pdu.source_addr_ton, "coding": coding,
                           "esm_class": esm_class, "udh": udh, "data": data, "id": message_id,
                           "size": len(pdu.short_message or b"")})
        if udh is None:
            self.messages.append({"to": to, "sender": sender, "text": decode(data, coding), "parts": 1,
                                  "coding": coding, "ids": [message_id]})
            return
        ref, total, part = udh
        pending = self._pending.setdefault((to, ref, total), {})
        pending[part] = (data, message_id)
        if len(pending) == total:
            del self._pending[(to, ref, total)]
            ordered = [pending[n] for n in range(1, total + 1)]
            self.messages.append({"to": to, "sender": sender, "text": decode(b"".join(d for d, _ in ordered), coding),
                                  "parts": total, "coding": coding, "ids": [i for _, i in ordered]})

    def send_unknown_pdu(self, command_id=0x00000777):
        """A request the ESME cannot know (a vendor's): it must answer generic_nack and carry on."""
        connection = next(c for c in self._connections if c.mode in ("transceiver", "receiver"))
        connection.send_bytes(struct.pack(">LLLL", 16, command_id, 0, connection.next_sequence()))

    def send_receipt(self, to, message_id, stat="DELIVRD"):
        """A delivery receipt about any id (one we never gave, say) to a bound receiver."""
        connection = next(c for c in self._connections if c.mode in ("transceiver", "receiver"))
        self._receipt(connection, to.lstrip("+"), message_id, stat)

    def _receipt(self, connection, to, message_id, stat=None):
        if stat is None:
            stat = "UNDELIV" if to in self.undeliverable or "+" + to in self.undeliverable else "DELIVRD"
        state = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}.get(stat, 7)
        now = time.strftime("%y%m%d%H%M")
        text = (f"id:{message_id} sub:001 dlvrd:{'001' if state == 2 else '000'} submit date:{now} done date:{now} "
                f"stat:{stat} err:{'000' if state == 2 else '001'} text:")
        connection.send(smpp.make_pdu(
            "deliver_sm", client=connection, source_addr=to, source_addr_ton=1, source_addr_npi=1,
            destination_addr="Chapar", esm_class=RECEIPT, data_coding=CODING_GSM7, short_message=text.encode(),
            receipted_message_id=message_id, message_state=state))


__all__ = ["SmscSimulator", "CODING_GSM7", "CODING_UCS2"]


if __name__ == "__main__":  # its own process (a bench: the SMSC then shares no GIL with the sender)
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    parser.add_argument("--system-id", default="chapar")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--no-receipts", action="store_true")
    args = parser.parse_args()
    smsc = SmscSimulator(args.system_id, args.password, receipts=not args.no_receipts)
    smsc.port = args.port or smsc.port
    smsc.parts, smsc.messages = _Discard(), _Discard()  # a bench sends more than a test would keep
    smsc.start()
    print(f"SMSC listening on {smsc.host}:{smsc.port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        smsc.stop()
