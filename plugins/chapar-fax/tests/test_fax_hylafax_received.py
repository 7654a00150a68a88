"""A fax HylaFAX received, handed to Chapar the way an admin sets it up: HylaFAX's own bin/faxrcvd,
in the private spool, sources etc/FaxDispatch, which runs chapar-fax-hylafax-received; that posts
the TIFF to the line's "received" address on a real HTTP server serving the test's Chapar.

No modem can receive here, so the fax is a TIFF ghostscript made, put into recvq/ as faxgetty
would, and faxrcvd is called with the arguments faxgetty gives it (file, modem, commid, message,
caller id number and name).
"""
import io
import subprocess
import sys
import threading

import chapar_fax.hylafax_received as command
import fax_support
import pytest
from chapar import InboundMessage
from fax_support import add_fax_contacts, e164, make_line
from hylafax_support import hylafax_server  # noqa: F401
from pypdf import PdfReader
from werkzeug.serving import make_server

fax_plugin, fax_app = fax_support.fax_plugin, fax_support.fax_app  # the fixtures this module uses

COMMAND = command.__file__  # run by path: it needs only the standard library
FAX_TEXT = ("Order 4711", "Second page")


@pytest.fixture
def served(fax_app):
    """The test's Chapar on a real HTTP server on a free port: its base URL."""
    server = make_server("127.0.0.1", 0, fax_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def line(served):
    hylafax_line = make_line("hylafax", {"host": "127.0.0.1"}, sender="+982188000000")
    hylafax_line.url = f"{served}/fax/lines/{hylafax_line.id}/received?secret={hylafax_line.secret}"
    return hylafax_line


def received_tiff(spool, name):
    """A two-page fax in recvq/, as faxgetty leaves one: G3 at 204x196 dpi."""
    path = spool / "recvq" / name
    page = "/Helvetica findfont 24 scalefont setfont 72 700 moveto ({}) show showpage"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffg3", "-r204x196", "-sPAPERSIZE=a4",
                    f"-sOutputFile={path}", "-c", " ".join(page.format(text) for text in FAX_TEXT)], check=True)
    return path.relative_to(spool)


def faxrcvd(spool, url, tiff, commid, caller_number):
    """Run HylaFAX's faxrcvd with a FaxDispatch that calls our command, as the README says."""
    (spool / "etc" / "FaxDispatch").write_text(
        f"CHAPAR_FAX_URL='{url}'\n"
        f'"{sys.executable}" "{COMMAND}" --url "$CHAPAR_FAX_URL" --sender "${{CIDNUMBER:-$SENDER}}" '
        '--commid "$COMMID" "$FILE" > log/chapar-received 2>&1\n'
        "echo $? >> log/chapar-received\n")
    subprocess.run(["bin/faxrcvd", str(tiff), "ttyS0", commid, "", caller_number, "SHOP"], cwd=spool, check=True,
                   capture_output=True, timeout=60)
    *answer, status = (spool / "log" / "chapar-received").read_text().strip().splitlines()
    return int(status), "\n".join(answer)


def test_a_received_fax_reaches_chapar_through_faxrcvd_once(hylafax, line, client_as):
    contact = add_fax_contacts(1)[0]
    tiff = received_tiff(hylafax.spool, "fax00001.tif")
    status, answer = faxrcvd(hylafax.spool, line.url, tiff, "000000101", e164(0))
    assert status == 0, answer
    [inbound] = InboundMessage.select()
    assert inbound.channel == "fax" and inbound.sender == e164(0) and inbound.contact_id == contact
    assert inbound.data["pages"] == 2 and inbound.data["line"] == line.id
    download = client_as("viewer").get(f"/fax/received/{inbound.id}.pdf")
    assert download.status_code == 200
    pages = PdfReader(io.BytesIO(download.data)).pages
    assert len(pages) == 2
    # A fax is pictures of pages: each keeps its A4 size (595 x 842 points) through 204x196 dpi.
    assert [(round(page.mediabox.width / 10), round(page.mediabox.height / 10)) for page in pages] == [(61, 84)] * 2
    # faxrcvd run again for the same call (HylaFAX's commid): still one received fax.
    assert faxrcvd(hylafax.spool, line.url, tiff, "000000101", e164(0))[0] == 0
    assert InboundMessage.select().count() == 1


def test_a_file_that_is_no_fax_is_refused_with_the_reason(hylafax, line):
    bad = hylafax.spool / "recvq" / "fax00002.tif"
    bad.write_bytes(b"II*\x00 this is no fax at all")
    status, answer = faxrcvd(hylafax.spool, line.url, bad.relative_to(hylafax.spool), "000000102", "+4930123456")
    assert status == 1 and "400" in answer and "TIFF" in answer
    assert InboundMessage.select().count() == 0


def test_a_wrong_secret_or_chapar_down_loses_nothing_and_says_so(hylafax, line, tmp_path):
    tiff = hylafax.spool / received_tiff(hylafax.spool, "fax00003.tif")
    wrong = command.main(["--url", line.url.replace(line.secret, "guess"), "--sender", "+4930123456", str(tiff)])
    assert wrong == 1
    from chapar_process import free_port

    down = command.main(["--url", f"http://127.0.0.1:{free_port()}/fax/lines/1/received?secret=x", str(tiff)])
    assert down == 2
    assert command.main(["--url", line.url, str(tmp_path / "missing.tif")]) == 1
    assert command.main(["--url", "file:///etc/passwd", str(tiff)]) == 1
    assert InboundMessage.select().count() == 0
    assert tiff.exists()  # HylaFAX's copy stays in recvq
