"""A hostile review's findings, each as the attack or the bad input that showed it: files that claim
more than they hold, senders that are no number, reports that race, contact data the fax header
cannot read, paths ghostscript reads as commands, a redirect that passes for success, and line
breaks in a gateway's subject."""
import http.server
import io
import json
import threading

import chapar_fax.hylafax_received as command
import pytest
from chapar import Contact, EventRecord, InboundMessage, Message, render_pdf
from chapar_fax import FaxDocument
from chapar_fax.lines import FaxLine
from chapar_fax.tiff import FaxImageError, pdf_to_fax_tiff, tiff_to_pdf
from chapar_fax.transports.email_gateway import EmailTransport
from fax_support import add_fax_contacts, e164, fax_program, make_line, send_all
from hostile_files import blank_g4_tiff
from PIL import Image


@pytest.fixture
def caller(fax_app):
    """A fax service calling in: no cookies, no CSRF token."""
    return fax_app.test_client()


def received(caller, line, **form):
    return caller.post(f"/fax/lines/{line.id}/received?secret={line.secret}", data=form,
                       content_type="multipart/form-data")


# --- received files -------------------------------------------------------------------------

def test_a_tiff_whose_later_page_is_a_gigapixel_bomb_is_refused_before_decoding():
    # 1.8 kB: a small first page (the only one Pillow checks itself), then 144 million pixels.
    bomb = blank_g4_tiff([(1728, 100), (12000, 12000)])
    with pytest.raises(FaxImageError, match=r"page 2 of the TIFF is too large \(12000 x 12000 pixels\)"):
        tiff_to_pdf(bomb)
    pdf, pages = tiff_to_pdf(blank_g4_tiff([(1728, 2292)] * 3))  # real fax pages still pass
    assert pages == 3 and pdf.startswith(b"%PDF-")


def test_a_tiff_of_thousands_of_tiny_pages_is_refused_after_the_fifty_first():
    # Every page header read costs Pillow about half a millisecond: 16 MB of them, a minute.
    with pytest.raises(FaxImageError, match="more than 50 pages, at most 50 are accepted"):
        tiff_to_pdf(blank_g4_tiff([(8, 8)] * 2000))


def test_a_received_pdf_is_counted_not_taken_at_the_callers_word(fax_app, caller):
    line = make_line("http", {"url": "https://fax.example/v1/faxes"})
    one_page = render_pdf("<p>Order: 3 crates</p>")
    for claimed in ("9999", "²", "-1"):  # "²".isdigit() is true, and int("²") fails
        answer = received(caller, line, id=f"in-{claimed}", pages=claimed, file=(io.BytesIO(one_page), "in.pdf"))
        assert (answer.status_code, answer.text) == (200, "OK")
    assert {inbound.data["pages"] for inbound in InboundMessage.select()} == {1}
    garbage = received(caller, line, id="in-x", file=(io.BytesIO(b"%PDF-1.7\n" + b"\0" * 500), "in.pdf"))
    assert garbage.status_code == 400 and "not a PDF" in garbage.text
    assert InboundMessage.select().count() == 3


def test_a_fax_from_no_number_attaches_to_no_contact(folder_line, caller):
    # Contacts whose fax is empty (not None) or a station id: rows written outside the contact service.
    Contact.create(first_name="Empty", fax="", consent_fax="subscribed")
    Contact.create(first_name="Station", fax="ACME", consent_fax="subscribed")
    pdf = render_pdf("<p>hello</p>")
    for sender in ("", "ACME"):
        answer = received(caller, folder_line, **{"from": sender, "pages": "1", "file": (io.BytesIO(pdf), "in.pdf")})
        assert answer.status_code == 200
        inbound = InboundMessage.get_by_id(answer.get_json()["inbound"])
        assert inbound.contact_id is None and inbound.program_id is None and inbound.sender == sender


# --- sending and reports ----------------------------------------------------------------------

def test_a_contact_whose_language_babel_cannot_read_does_not_hold_up_the_batch(fax_app, folder_line, users):
    odd, fine = add_fax_contacts(2)
    Contact.update(language="zz").where(Contact.id == odd).execute()
    Contact.update(language="de-DE").where(Contact.id == fine).execute()
    program = fax_program(users, folder_line, [odd, fine])
    send_all(fax_app, program, users)
    statuses = {m.address: m.status for m in Message.select().where(Message.program == program.id)}
    assert statuses == {e164(0): "sent", e164(1): "sent"}
    assert len(list(folder_line.folder.glob("chapar-*-1.pdf"))) == 2


def test_two_reports_on_one_fax_at_once_record_it_once(fax_app, folder_line, users, monkeypatch):
    from chapar_fax.faxes import report
    from chapar_fax.lines import FaxJob
    from chapar_fax.transports.base import FaxStatus

    program = fax_program(users, folder_line, add_fax_contacts(1))
    send_all(fax_app, program, users)
    message = Message.get(Message.program == program.id)
    job = FaxJob.get(FaxJob.message == message.id)
    # A poll and the service's webhook both read the job while it was pending, then both apply.
    as_read = dict(FaxJob.get_by_id(job.id).__data__)

    class StaleRead:
        """What each of them read, on its own: the job as it was, pending."""

        def where(self, *args):
            return self

        def order_by(self, *args):
            return self

        def first(self):
            return FaxJob(**as_read)

    monkeypatch.setattr(FaxJob, "select", lambda *args: StaleRead())
    first = report(folder_line, [FaxStatus(job.provider_id, "delivered", "", 1)])
    second = report(folder_line, [FaxStatus(job.provider_id, "failed", "late duplicate")])
    monkeypatch.undo()
    assert (len(first), len(second)) == (1, 0)
    assert Message.get_by_id(message.id).status == "delivered"
    kinds = [e.name for e in EventRecord.select().where(EventRecord.message == message.id)]
    assert kinds.count("delivered") == 1 and "undelivered" not in kinds


# --- files and commands -----------------------------------------------------------------------

def test_a_fax_image_path_with_percent_signs_is_written_where_asked(tmp_path):
    folder = tmp_path / "home%d%s"  # ghostscript reads "%d" in -sOutputFile as the page number
    folder.mkdir()
    pdf = folder / "1.pdf"
    pdf.write_bytes(render_pdf("<p>one</p><p style='break-before: page'>two</p>"))
    assert pdf_to_fax_tiff(pdf, folder / "1.tif") == 2
    with Image.open(folder / "1.tif") as image:
        assert image.n_frames == 2
    assert sorted(p.name for p in folder.iterdir()) == ["1.pdf", "1.tif"]


class RedirectingChapar(http.server.BaseHTTPRequestHandler):
    """A proxy in front of Chapar that sends every POST to a sign-in page answering 200."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(302)
        self.send_header("Location", "/login")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        body = b"<html>Sign in</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_hylafax_command_takes_no_redirect_for_success(tmp_path, capsys):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RedirectingChapar)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    tiff = tmp_path / 'fax"\r\n01.tif'
    tiff.write_bytes(blank_g4_tiff([(1728, 100)]))
    try:
        code = command.main(["--url", f"http://127.0.0.1:{server.server_port}/fax/lines/1/received?secret=s",
                             "--sender", "+982188776655", str(tiff)])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert code == 1  # refused, not "kept": faxrcvd's email to FaxMaster is then the only copy
    assert "redirected to /login" in capsys.readouterr().out


def test_a_line_break_in_the_gateways_subject_starts_no_header(tmp_path):
    pdf = tmp_path / "fax.pdf"
    pdf.write_bytes(render_pdf("<p>fax</p>"))
    settings = {"host": "127.0.0.1", "from_address": "office@shop.example", "address_pattern": "{number}@fax.example",
                "subject": "PIN 4711\r\nBcc: spy@example.com"}
    transport = EmailTransport(FaxLine(name="gateway", kind="email", settings_json=json.dumps(settings)))
    email = transport._email(FaxDocument(message_id=7, to="+982188776655", pdf_path=str(pdf), tiff_path="",
                                         pages=1, sender=""))
    assert email["Subject"] == "PIN 4711 Bcc: spy@example.com" and email["Bcc"] is None
    assert email["To"] == "982188776655@fax.example"


class DrippingApi(http.server.BaseHTTPRequestHandler):
    """A fax API that takes the upload, then answers one byte at a time, each well within the
    client's timeout, for longer than the client should wait (as a slow-loris answer does)."""

    protocol_version = "HTTP/1.1"
    answer = b'{"id": "fax_slow", "status": "queued"}' + b" " * 40

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        for byte in self.answer:
            if self.server.stop.wait(0.1):
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:  # the client cut the connection
                return

    def log_message(self, *args):
        pass


def test_an_api_answering_a_byte_at_a_time_is_cut_off(tmp_path):
    from chapar_fax import TransportError
    from chapar_fax.transports.http import HttpTransport

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DrippingApi)
    server.stop = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pdf = tmp_path / "fax.pdf"
    pdf.write_bytes(render_pdf("<p>fax</p>"))
    line = FaxLine(name="slow api", kind="http", settings_json=json.dumps(
        {"url": f"http://127.0.0.1:{server.server_port}/v1/faxes", "timeout": 1}))
    document = FaxDocument(message_id=1, to="+982188776655", pdf_path=str(pdf), tiff_path="", pages=1, sender="")
    try:
        # Eight seconds of answer, a byte every tenth of one: past the deadline of three timeouts.
        with pytest.raises(TransportError, match="no answer within 1 s"):
            HttpTransport(line).submit([document])
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_retry_a_stopped_worker_left_half_done_is_settled_not_sent_twice(fax_app, folder_line, users):
    import datetime

    from chapar import utcnow
    from chapar_fax.faxes import report, settle_stranded, tick
    from chapar_fax.lines import FaxJob
    from chapar_fax.transports.base import FaxStatus

    program = fax_program(users, folder_line, add_fax_contacts(2))
    send_all(fax_app, program, users)
    stranded, waiting = (Message.get(Message.address == e164(i)) for i in (0, 1))
    for message in (stranded, waiting):
        report(folder_line, [FaxStatus(FaxJob.get(FaxJob.message == message.id).provider_id, "busy", "busy")])
    # A worker claimed the first retry (state "resubmitted") two hours ago, then was killed before
    # it recorded a new job; the second was resubmitted properly and has its newer job.
    two_hours_ago = utcnow() - datetime.timedelta(hours=2)
    FaxJob.update(state="resubmitted", updated_at=two_hours_ago).where(FaxJob.message == stranded.id).execute()
    FaxJob.update(state="resubmitted", updated_at=two_hours_ago).where(FaxJob.message == waiting.id).execute()
    FaxJob.create(message=waiting.id, line=folder_line.id, provider_id="job-second", attempt=2)
    sent_before = sorted(p.name for p in folder_line.folder.glob("*.pdf"))
    assert tick()["stranded"] == 1
    failed = Message.get_by_id(stranded.id)
    assert failed.status == "failed" and "not sent a second time" in failed.error
    assert Message.get_by_id(waiting.id).status == "sent"
    assert sorted(p.name for p in folder_line.folder.glob("*.pdf")) == sent_before
    assert settle_stranded() == 0


def test_a_body_cannot_make_the_page_larger_than_the_chosen_size(fax_app, tmp_path):
    from chapar_fax.document import render_fax
    from pypdf import PdfReader

    # A page metres wide would be a TIFF of gigapixels for ghostscript and the remote machine.
    for style in ("@page { size: 2000mm 1000mm; margin: 0 }",
                  "@page big { size: 2000mm 1000mm !important } p { page: big }"):
        body = f"<style>{style}</style><p>Spring prices</p>"
        render_fax({"body": body, "page_size": "A4"}, "+982188776655", "", tmp_path / "fax.pdf")
        box = PdfReader(tmp_path / "fax.pdf").pages[0].mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297), style
