"""An email-to-fax gateway's SMTP side on a free local port (aiosmtpd), for the email transport's tests.

`start_sink(tls=…, users=…)` runs a real SMTP server: plain, STARTTLS (required before AUTH) or TLS
from the start, with AUTH LOGIN/PLAIN against `users` when given. Every accepted email is kept in
`sink.messages` (envelope sender, recipients, the parsed email). `sink.refuse[address] = "550 …"`
makes RCPT TO for that address answer with that line. `make_certificate(folder)` writes a
self-signed certificate for 127.0.0.1 and localhost (the client trusts it through SSL_CERT_FILE).
"""
import email
import email.policy
import ssl
import subprocess
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from chapar_process import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    message: email.message.EmailMessage


class FaxGatewaySink:
    """The aiosmtpd handler: refuses configured recipients, keeps the rest."""

    def __init__(self):
        self.messages = []
        self.refuse = {}
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 queued for faxing"


def make_certificate(folder):
    """(certificate path, key path): self-signed, for 127.0.0.1 and localhost, valid one day."""
    cert, key = folder / "gateway.crt", folder / "gateway.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def start_sink(tls=None, certificate=None, users=None):
    """A started Controller with `.handler` (the FaxGatewaySink) and `.port`. `tls`: None, "starttls"
    or "tls"; `certificate`: what make_certificate returned; `users`: {login: password}."""
    handler = FaxGatewaySink()
    options = {}
    context = None
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*map(str, certificate))
    if tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if users is not None:
        def authenticate(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
            password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
            return AuthResult(success=users.get(login) == password, handled=False)

        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls is not None)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            ssl_context=context if tls == "tls" else None, server_hostname="localhost", **options)
    controller.start()
    return controller
