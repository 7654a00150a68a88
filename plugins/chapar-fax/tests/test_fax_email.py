"""The email-to-fax transport against a real SMTP server (aiosmtpd): STARTTLS, TLS, AUTH, refusals.

Only the first test holds a database (a program faxed through a line of this kind); the others
give the transport an unsaved FaxLine and rendered documents.
"""
import io
import json

import pytest
from chapar import Message, render_pdf
from chapar_fax import FaxDocument, TransportError
from chapar_fax.lines import FaxLine
from chapar_fax.transports.email_gateway import EmailTransport
from chapar_process import free_port
from fax_support import (
    add_fax_contacts,
    e164,
    fax_program,
    make_line,
    pdf_text,
    send_all,
)
from pypdf import PdfReader
from smtp_sink import make_certificate, start_sink

USERS = {"faxer": "s3cret pass"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("smtp-cert"))


@pytest.fixture
def trusted(certificate, monkeypatch):
    """The client trusts the sink's self-signed certificate, as it would a real gateway's."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.fixture(scope="module")
def starttls_sink(certificate):
    controller = start_sink("starttls", certificate, users=USERS)
    yield controller
    controller.stop()


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("fax-pdf") / "letter.pdf"
    path.write_bytes(render_pdf("<h1>Spring offer for Dariush</h1><p>Two pages of savings.</p>"))
    return path


def transport(port, **settings):
    values = {"host": "127.0.0.1", "port": port, "security": "starttls", "username": "faxer",
              "password": USERS["faxer"], "from_address": "office@shop.example", "timeout": 10,
              "address_pattern": "{number}@fax.example.com", "subject": "PIN 4711 فکس {reference}"}
    values.update(settings)
    return EmailTransport(FaxLine(name="gateway", kind="email", settings_json=json.dumps(values)))


def document(pdf_path, message_id, to="+982188776655", pages=1):
    return FaxDocument(message_id=message_id, to=to, pdf_path=str(pdf_path), tiff_path="", pages=pages, sender="")


def test_a_program_is_faxed_as_one_email_per_recipient(fax_app, users, trusted, starttls_sink):
    sink = starttls_sink.handler
    sink.messages.clear()
    settings = json.loads(transport(starttls_sink.port).line.settings_json)
    program = fax_program(users, make_line("email", settings), add_fax_contacts(2))
    send_all(fax_app, program, users)
    messages = list(Message.select().where(Message.program == program.id).order_by(Message.id))
    assert [m.status for m in messages] == ["sent", "sent"]
    assert sorted(r for m in sink.messages for r in m.rcpt_tos) == [f"{e164(i)[1:]}@fax.example.com" for i in (0, 1)]
    by_address = {m.rcpt_tos[0]: m.message for m in sink.messages}
    attachment = next(by_address[f"{e164(0)[1:]}@fax.example.com"].iter_attachments())
    assert "Dear Person0" in pdf_text(attachment.get_content())[0]


def test_each_fax_reaches_the_gateways_address_with_its_pdf(trusted, starttls_sink, pdf_path):
    sink = starttls_sink.handler
    sink.messages.clear()
    results = transport(starttls_sink.port).submit([document(pdf_path, 41, pages=2),
                                                    document(pdf_path, 42, to="+14155550123")])
    assert [(r.message_id, r.outcome, r.units) for r in results] == [(41, "accepted", 2), (42, "accepted", 1)]
    assert results[0].provider_id == "chapar-41-1@shop.example"
    assert [m.rcpt_tos for m in sink.messages] == [["982188776655@fax.example.com"], ["14155550123@fax.example.com"]]
    first = sink.messages[0].message
    assert first["Subject"] == "PIN 4711 فکس chapar-41-1"
    assert first["Message-ID"] == "<chapar-41-1@shop.example>"
    assert sink.messages[0].mail_from == "office@shop.example"
    attachment = next(first.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "Spring offer for Dariush" in text


def test_tls_from_the_start_and_the_plus_form_of_the_number(trusted, certificate, pdf_path):
    controller = start_sink("tls", certificate)
    try:
        gateway = transport(controller.port, security="tls", username="", address_pattern="fax+{e164}@gw.example.org",
                            subject="")
        [result] = gateway.submit([document(pdf_path, 7)])
        assert result.outcome == "accepted"
        assert controller.handler.messages[0].rcpt_tos == ["fax++982188776655@gw.example.org"]
        assert "250" in gateway.test_connection()
    finally:
        controller.stop()


def test_refused_numbers_fail_alone_and_the_rest_go_through(trusted, starttls_sink, pdf_path):
    sink = starttls_sink.handler
    sink.messages.clear()
    sink.refuse["15550000000@fax.example.com"] = "550 5.1.1 not a fax number"
    sink.refuse["15550000001@fax.example.com"] = "450 4.2.1 line busy, try later"
    try:
        results = transport(starttls_sink.port).submit([
            document(pdf_path, 1, to="+15550000000"), document(pdf_path, 2, to="+15550000001"),
            document(pdf_path, 3)])
    finally:
        sink.refuse.clear()
    assert [r.outcome for r in results] == ["permanent", "transient", "accepted"]
    assert "550 5.1.1 not a fax number" in results[0].error
    assert "450" in results[1].error
    assert [m.rcpt_tos for m in sink.messages] == [["982188776655@fax.example.com"]]


def test_a_gateway_closing_mid_batch_keeps_what_it_took_and_retries_the_rest(trusted, starttls_sink, pdf_path):
    sink = starttls_sink.handler
    sink.messages.clear()
    sink.refuse["15550000002@fax.example.com"] = "421 4.3.2 service shutting down"
    try:
        results = transport(starttls_sink.port).submit([
            document(pdf_path, 1), document(pdf_path, 2, to="+15550000002"), document(pdf_path, 3)])
    finally:
        sink.refuse.clear()
    assert [r.outcome for r in results] == ["accepted", "transient", "transient"]
    assert "421" in results[1].error and "closed the connection" in results[2].error
    assert len(sink.messages) == 1


def test_a_wrong_password_fails_the_whole_batch_with_the_servers_words(trusted, starttls_sink, pdf_path):
    gateway = transport(starttls_sink.port, password="wrong")
    with pytest.raises(TransportError, match="login refused: 535"):
        gateway.submit([document(pdf_path, 5)])
    with pytest.raises(TransportError, match="login refused"):
        gateway.test_connection()


def test_an_untrusted_certificate_is_refused(starttls_sink, pdf_path, monkeypatch, tmp_path):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        transport(starttls_sink.port).submit([document(pdf_path, 6)])


def test_a_server_that_is_down_fails_the_batch_and_the_connection_test(pdf_path):
    gateway = transport(free_port())
    with pytest.raises(TransportError, match="127.0.0.1:"):
        gateway.submit([document(pdf_path, 8)])
    with pytest.raises(TransportError):
        gateway.test_connection()


def test_the_connection_test_logs_in_and_reports_the_answer(trusted, starttls_sink):
    assert transport(starttls_sink.port).test_connection().startswith(f"127.0.0.1:{starttls_sink.port}: 250")


@pytest.mark.parametrize("settings, field, words", [
    ({"address_pattern": "fax@gateway.example.com"}, "address_pattern", "exactly one placeholder"),
    ({"address_pattern": "{number}-{e164}@gateway.example.com"}, "address_pattern", "exactly one placeholder"),
    ({"address_pattern": "{phone}@gateway.example.com"}, "address_pattern", "exactly one placeholder"),
    ({"address_pattern": "{number}@localhost"}, "address_pattern", "not a domain name"),
    ({"address_pattern": "{number} x@gw.example.com"}, "address_pattern", "Not an email address"),
    ({"from_address": "office"}, "from_address", "email address"),
    ({"port": 70000}, "port", "1 to 65535"),
    ({"security": "ssl3"}, "security", "STARTTLS"),
    ({"subject": "{pin} {number}"}, "subject", "pin"),
    ({"host": "smtp.example.com/../x"}, "host", "host name"),
])
def test_bad_settings_are_refused_with_a_clear_message(settings, field, words):
    values = {"host": "smtp.example.com", "from_address": "office@shop.example",
              "address_pattern": "{number}@fax.example.com", **settings}
    errors = EmailTransport(FaxLine(name="g", kind="email")).validate_settings(values)
    assert list(errors) == [field]
    assert words in errors[field]


def test_good_settings_pass():
    values = {"host": "smtp.example.com", "port": 465, "security": "tls", "from_address": "office@shop.example",
              "address_pattern": "{e164}@fax.example.com", "subject": "{pages} pages for {number}"}
    assert EmailTransport(FaxLine(name="g", kind="email")).validate_settings(values) == {}
