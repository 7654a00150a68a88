"""A private Kannel for the SMS plugin's tests: bearerbox and smsbox from Debian's `kannel`, and
fakesmsc (from `kannel-extras`) as the phones.

Kannel runs once per test session on free ports with its own kannel.conf in a temporary folder.
Its callbacks (dlr-url, the sms-service post-url) reach the test's Chapar through a small HTTP
server started with it, which hands each request to the app of the running test (`kannel`
fixture) and answers 503 between tests. Two fake SMSCs: "phones", whose fakesmsc prints every
message bearerbox hands it (what phones received), and "mo", which takes no messages
(allowed-smsc-id) and whose fakesmsc, in its interactive mode, sends each line written to its
stdin as a mobile-originated message. The fake SMSC reports every message with a dlr-mask as
delivered.

Import what a module needs: `from kannel_support import kannel, kannel_server  # noqa: F401`.
"""
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote_to_bytes, urlsplit

import pytest
from chapar_process import free_port
from werkzeug.serving import WSGIRequestHandler, make_server

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
GATEWAY_ID = 1  # the test's Kannel gateway row; the post-url in kannel.conf names it
SHORT_CODE = "3000"  # the number phones text to

CONFIG = """\
group = core
admin-port = {admin_port}
admin-interface = 127.0.0.1
admin-password = {admin_password}
status-password = {admin_password}
admin-allow-ip = 127.0.0.1
smsbox-port = {smsbox_port}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
dlr-storage = internal
log-level = 1
log-file = "{folder}/bearerbox.log"
access-log = "{folder}/access.log"

group = smsc
smsc = fake
smsc-id = phones
port = {fake_port}
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsc
smsc = fake
smsc-id = mo
allowed-smsc-id = mo
port = {mo_port}
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox_port}
sendsms-port = {sendsms_port}
sendsms-interface = 127.0.0.1
log-level = 1
log-file = "{folder}/smsbox.log"

group = sendsms-user
username = {username}
password = {password}
max-messages = 10
concatenation = true

{service}"""


@dataclass(frozen=True)
class PhoneMessage:
    """One message that reached the phones (fakesmsc)."""

    sender: str
    to: str
    coding: str  # "text", "data" or "ucs-2": how the fake SMSC wrote it; "udh" for a part of a long one
    text: str  # "" for a part: see join_parts
    udh: bytes = b""
    data: bytes = b""  # a part's bytes (UCS-2 or 8-bit: the line does not say)


def _bytes(encoded):
    return unquote_to_bytes(encoded.replace("+", " "))  # URL-encoded, a space as "+"


def parse_phone_line(line):
    """A PhoneMessage from fakesmsc's "Got message N: <sender receiver type data>" line, or None.
    A part of a long message reads "<sender receiver udh UDH type data>"."""
    start, end = line.find("Got message "), line.rfind(">")
    if start < 0 or end < 0:
        return None
    body = line[line.index("<", start) + 1:end]
    sender, to, kind, data = (body.split(" ", 3) + ["", "", "", ""])[:4]
    if kind == "udh":
        udh, _kind, part = (data.split(" ", 2) + ["", ""])[:3]
        return PhoneMessage(sender, to, kind, "", udh=_bytes(udh), data=_bytes(part))
    if kind == "ucs-2":
        return PhoneMessage(sender, to, kind, _bytes(data).decode("utf-16-be"))
    if kind == "data":
        return PhoneMessage(sender, to, kind, _bytes(data).decode("utf-8", "replace"))
    return PhoneMessage(sender, to, kind, data)


def join_parts(parts, encoding="utf-16-be"):
    """The text of a long message from its parts (concatenation UDH: 05 00 03 ref total seq)."""
    parts = sorted(parts, key=lambda p: p.udh[5])
    assert [p.udh[5] for p in parts] == list(range(1, parts[0].udh[4] + 1)), "a part is missing or doubled"
    assert len({p.udh[3] for p in parts}) == 1, "parts of different messages"
    return b"".join(p.data for p in parts).decode(encoding)


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass  # a line per callback would drown the test output


class Dispatcher:
    """The WSGI app Kannel's callbacks reach: the running test's Chapar, or 503 between tests."""

    def __init__(self):
        self.app = None
        self.calls = []  # (path, query) of every callback, for assertions

    def __call__(self, environ, start_response):
        self.calls.append((environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")))
        app = self.app
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no test running"]
        return app.wsgi_app(environ, start_response)


class KannelServer:
    """bearerbox, smsbox and fakesmsc with a private kannel.conf in `folder`."""

    username = "chapar"
    password = "kannel-test-password"
    admin_password = "kannel-admin"
    secret = "kannel-test-gateway-secret"  # the test gateway's callback secret, in the post-url

    def __init__(self, folder):
        self.folder = Path(folder)
        self.ports = {name: free_port() for name in ("admin_port", "smsbox_port", "fake_port", "mo_port",
                                                           "sendsms_port")}
        self.dispatcher = Dispatcher()
        self.http = make_server("127.0.0.1", 0, self.dispatcher, threaded=True,
                                request_handler=QuietHandler)
        self.public_url = f"http://127.0.0.1:{self.http.server_port}"
        self.processes = []
        self.mobiles = None  # the fakesmsc sending mobile-originated messages
        self.received = []  # every PhoneMessage so far

    # --- configuration ---------------------------------------------------------------------

    @property
    def sendsms_url(self):
        return f"http://127.0.0.1:{self.ports['sendsms_port']}/cgi-bin/sendsms"

    @property
    def status_url(self):
        return f"http://127.0.0.1:{self.ports['admin_port']}/status.txt"

    def gateway_settings(self, **changes):
        """The settings of a Kannel gateway using this server."""
        return {"sendsms_url": self.sendsms_url, "username": self.username, "password": self.password,
                "dlr_mask": 31, "timeout": 10, **changes}

    def service(self):
        """The sms-service group, as KannelProvider.service_config() gives it for the test gateway."""
        from chapar_sms.providers.kannel import INBOUND_QUERY

        url = f"{self.public_url}/sms/gateways/{GATEWAY_ID}/inbound?secret={self.secret}{INBOUND_QUERY}"
        return f'group = sms-service\nkeyword = default\npost-url = "{url}"\nomit-empty = true\nmax-messages = 0\n'

    def write_config(self):
        path = self.folder / "kannel.conf"
        path.write_text(CONFIG.format(folder=self.folder, admin_password=self.admin_password, username=self.username,
                                      password=self.password, service=self.service(), **self.ports))
        return path

    # --- processes ---------------------------------------------------------------------------

    def start(self):
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        config = self.write_config()
        self._spawn("bearerbox", [BEARERBOX, str(config)])
        self.wait_for(lambda: self.status() is not None, "bearerbox answers on its admin port")
        self._spawn("smsbox", [SMSBOX, str(config)])
        self.wait_for(lambda: "smsbox:" in (self.status() or "").split("Box connections:")[-1],
                      "smsbox connects to bearerbox")
        self._start_fakesmscs()
        self.wait_for(lambda: "online" in self.smsc_line("phones") and "online" in self.smsc_line("mo"),
                      "both fakesmsc connect to bearerbox")

    def _spawn(self, name, argv, **options):
        log = open(self.folder / f"{name}.out", "a")  # noqa: SIM115  closed with the process
        process = subprocess.Popen(argv, stdout=options.pop("stdout", log), stderr=subprocess.STDOUT,
                                   start_new_session=True, **options)
        self.processes.append((process, log))
        return process

    def _start_fakesmscs(self):
        # -m 0 with a message: send nothing, read what bearerbox hands over as it comes.
        self._spawn("phones", [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.ports["fake_port"]), "-v", "0",
                           "-m", "0", "0 0 text unused"], stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read_phones, args=self.processes[-1], daemon=True).start()
        # No message: interactive, each line of stdin is one message from a phone.
        self.mobiles = self._spawn("mobiles", [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.ports["mo_port"]),
                                               "-v", "0"], stdin=subprocess.PIPE, text=True, bufsize=1)

    def _read_phones(self, process, log):
        for line in process.stdout:
            try:
                log.write(line)
                log.flush()  # a failing test shows the end of each log
            except ValueError:  # closed: the session is over
                return
            found = parse_phone_line(line)
            if found is not None:
                self.received.append(found)

    def stop(self):
        for process, log in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
        self.http.shutdown()

    # --- what tests use ----------------------------------------------------------------------

    def status(self):
        """bearerbox's status.txt, or None while it does not answer."""
        try:
            with urllib.request.urlopen(f"{self.status_url}?password={self.admin_password}", timeout=2) as answer:
                return answer.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError):
            return None

    def smsc_line(self, smsc_id):
        return next((line for line in (self.status() or "").splitlines() if f" {smsc_id}[" in line), "")

    def wait_for(self, condition, what, timeout=30):
        """Poll `condition` until it is true; fail the test with `what` and the logs if it never is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        logs = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.folder.glob("*.out")))
        pytest.fail(f"Kannel: timed out waiting until {what}\n{logs}")

    def wait_for_phones(self, count, since=0):
        """The PhoneMessages received after the first `since`, once there are `count` of them."""
        self.wait_for(lambda: len(self.received) - since >= count, f"the phones got {count} messages")
        return self.received[since:]

    def inject(self, sender, text, to=SHORT_CODE):
        """A phone at `sender` texts `text` to `to`: one mobile-originated message through the fake SMSC.

        fakesmsc reads one line a turn, so wait for the effect of one message before the next."""
        if text.isascii() and "\n" not in text:
            line = f"{sender} {to} text {text}"
        else:
            line = f"{sender} {to} ucs2 {quote(text.encode('utf-16-be'), safe='')}"
        self.mobiles.stdin.write(line + "\n")
        self.mobiles.stdin.flush()


def kannel_installed():
    return all(Path(path).exists() for path in (BEARERBOX, SMSBOX, FAKESMSC))


@pytest.fixture(scope="session")
def kannel_server(tmp_path_factory):
    """The session's Kannel (see KannelServer)."""
    if not kannel_installed():
        pytest.fail("Kannel is not installed: scripts/install installs the kannel and kannel-extras packages")
    server = KannelServer(tmp_path_factory.mktemp("kannel"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def kannel(kannel_server, sms_app):
    """The session's Kannel serving this test's app: the SMS channel's public address is the
    callback server's, and Kannel's callbacks reach this test's database. A test waits for the
    delivery reports of what it sends (status 1 for the default dlr-mask), so that none of them
    reaches the next test, whose message ids are the same."""
    from chapar.channels import save_channel_settings

    from chapar_sms.settings import SETTINGS_FIELDS

    with sms_app.app_context():
        # The keyword lists and replies as a fresh install has them (sms_app leaves them empty).
        settings = {field.name: field.default for field in SETTINGS_FIELDS}
        settings.update(public_url=kannel_server.public_url, default_region="IR")
        assert save_channel_settings("sms", settings) == {}
    kannel_server.dispatcher.app = sms_app
    kannel_server.dispatcher.calls.clear()
    yield kannel_server
    kannel_server.dispatcher.app = None


def kannel_gateway(server, **settings):
    """The test's Kannel gateway (the id and secret kannel.conf's post-url names)."""
    from sms_support import make_gateway

    gateway = make_gateway("kannel", server.gateway_settings(**settings), secret=server.secret, sender="Chapar")
    assert gateway.id == GATEWAY_ID, "the Kannel gateway must be the test's first"
    return gateway


class FaultySmsbox(ThreadingHTTPServer):
    """An HTTP server answering sendsms like smsbox, with trouble chosen by the receiver's last
    digit: 0 accepted (202), 4 refused (400), 5 unavailable (503), 8 accepted and then the
    connection closed as smsbox closes an idle one, 9 hang up after reading the request.
    `requests` lists the receivers it read, `connections` counts accepted connections, `closed`
    is set whenever it closed one."""

    daemon_threads = True

    def __init__(self):
        self.requests, self.connections, self.closed = [], 0, threading.Event()
        super().__init__(("127.0.0.1", 0), FaultySmsboxHandler)

    def get_request(self):
        self.connections += 1
        return super().get_request()

    def shutdown_request(self, request):
        super().shutdown_request(request)
        self.closed.set()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}/cgi-bin/sendsms"


class FaultySmsboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as smsbox
    ANSWERS = {"0": (202, "0: Accepted for delivery"), "4": (400, "Missing receiver number, rejected"),
               "5": (503, "Sending failed."), "8": (202, "0: Accepted for delivery")}

    def do_GET(self):
        to = parse_qs(urlsplit(self.path).query).get("to", [""])[0]
        self.server.requests.append(to)
        if to[-1:] not in self.ANSWERS:
            self.close_connection = True  # read it, then hang up without a word
            return
        status, body = self.ANSWERS[to[-1]]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())
        self.close_connection = to.endswith("8")

    def log_message(self, *args):
        pass


@pytest.fixture
def faulty_smsbox():
    server = FaultySmsbox()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
