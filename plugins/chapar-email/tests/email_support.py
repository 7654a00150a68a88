"""Fixtures for the email plugin's sending tests: SMTP servers started on free ports (aiosmtpd),
the plugin installed with its migrations, and a sender identity pointing at a server.

Import what a module needs: `from email_support import email_plugin, smtp_sink  # noqa: F401`.
"""
import asyncio
import threading

import pytest
from aiosmtpd.controller import Controller
from chapar.schema import migrate
from chapar_process import free_port
from fixture_plugin.testing import isolated_plugins

PUBLIC_URL = "https://chapar.example"


class Recorder:
    """Accepts everything and keeps (envelope sender, recipients, bytes) of each message.
    With `pipelining`, EHLO offers PIPELINING (RFC 2920) as Postfix does."""

    def __init__(self, pipelining=False):
        self.messages = []
        self.lock = threading.Lock()
        self.pipelining = pipelining

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return responses[:-1] + ["250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 Ok: queued"

    def to(self, address):
        return [m for m in self.messages if address in m[1]]


class Faulty(Recorder):
    """Answers by the recipient's local part: t421…, t450…, p550…, p554… refuse at RCPT with that
    code; drop… hangs up after the whole message arrived, without a reply; data452… refuses the
    data with 452. Everyone else is accepted."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        for code in ("421", "450", "550", "554"):
            if local.startswith(("t" + code, "p" + code)):
                reply = {"421": "421 4.3.2 Service shutting down, try again in 30 seconds",
                         "450": "450 4.2.1 Mailbox busy, try again in 20 seconds",
                         "550": "550 5.1.1 No such user here", "554": "554 5.7.1 Rejected by policy"}[code]
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        local = envelope.rcpt_tos[0].split("@")[0]
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if local.startswith("drop"):
            server.transport.close()  # the message arrived; the client never hears so
            await asyncio.sleep(0.05)
            return "250 never seen"
        if local.startswith("data452"):
            self.messages.pop()
            return "452 4.3.1 Insufficient system storage"
        return "250 2.0.0 Ok: queued"


def _serve(handler):
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


@pytest.fixture
def smtp_sink():
    """A recording SMTP server; `.handler.messages`, `.hostname`, `.port`."""
    controller = _serve(Recorder())
    yield controller
    controller.stop()


@pytest.fixture(params=[False, True], ids=["lockstep", "pipelining"])
def faulty_smtp(request):
    """A server that fails on purpose (see Faulty), with and without PIPELINING."""
    controller = _serve(Faulty(pipelining=request.param))
    yield controller
    controller.stop()


@pytest.fixture
def email_plugin():
    """The plugin registered as Chapar registers an installed one (ask for it before `app`)."""
    import chapar_email.plugin

    with isolated_plugins() as registry:
        registry.register(chapar_email.plugin, name="email", version="0.1.0")
        yield chapar_email.plugin


@pytest.fixture
def email_app(email_plugin, app):
    """The app with the plugin's tables and a public URL for links."""
    from chapar_email import smtp_pool

    migrate()
    app.config["CHAPAR_PUBLIC_URL"] = PUBLIC_URL
    yield app
    smtp_pool.close_all()


def make_identity(server, **fields):
    from chapar_email.identities import SenderIdentity

    values = {"name": "Shop", "host": server.hostname, "port": server.port, "security": "none",
              "from_name": "فروشگاه", "from_address": "news@shop.example", "reply_to": "help@shop.example",
              "max_connections": 2, **fields}
    return SenderIdentity.create(**values)
