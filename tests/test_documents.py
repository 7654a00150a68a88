"""chapar.documents.render_pdf: HTML to PDF for letters, faxes and reports, loading nothing but
Chapar's own assets — a template can neither reach the network (SSRF) nor read local files."""
import base64
import http.server
import io
import threading

import pytest
from pypdf import PdfReader

from chapar import DocumentError, render_pdf

PNG_1PX = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def text_of(pdf):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def fonts_of(pdf):
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            found.add(str(font.get_object()["/BaseFont"]))
    return found


@pytest.fixture
def watched_server():
    """A local HTTP server that records every request it gets (none should arrive)."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG_1PX)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


def test_persian_text_comes_out_whole_in_the_vazirmatn_font():
    pdf = render_pdf('<html dir="rtl" lang="fa"><body style="font-family: Vazirmatn">'
                     "<p>مشتری گرامی، سلام. لطفاً فاکتور را ببینید.</p><p><b>با احترام</b></p></body></html>")
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for word in ("مشتری", "گرامی", "لطفاً", "احترام"):  # lam-alef and ezafe survive the round trip
        assert word in text
    assert any("Vazirmatn" in name for name in fonts_of(pdf))


def test_remote_urls_and_local_files_are_never_loaded(watched_server, tmp_path, caplog):
    base, requests = watched_server
    secret = tmp_path / "secret.css"
    secret.write_text("body::after { content: 'LEAKED-SECRET' }")
    html = (f'<link rel="stylesheet" href="file://{secret}"><link rel="stylesheet" href="{base}/style.css">'
            f'<style>@import url("{base}/imported.css"); p {{ background: url("{base}/bg.png") }}</style>'
            f'<p>Dear customer</p><img src="{base}/pixel.png"><img src="file:///etc/passwd">'
            f'<img src="//127.0.0.1:{base.rsplit(":", 1)[1]}/scheme-relative.png">'
            '<img src="/static/../../../../etc/passwd">')
    pdf = render_pdf(html)
    assert requests == []
    assert "LEAKED-SECRET" not in text_of(pdf) and "Dear customer" in text_of(pdf)
    assert "only Chapar's own assets" in caplog.text


def test_own_assets_and_named_folders_load_and_data_urls_are_bounded(tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG_1PX)
    with_logo = render_pdf('<img src="/letterheads/logo.png" style="width: 4cm"><p>Letter</p>',
                           folders={"/letterheads/": tmp_path})
    without = render_pdf('<img src="/letterheads/missing.png" style="width: 4cm"><p>Letter</p>',
                         folders={"/letterheads/": tmp_path})
    assert b"/Subtype /Image" in with_logo and b"/Subtype /Image" not in without
    inline = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    assert b"/Subtype /Image" in render_pdf(f'<img src="{inline}">')
    huge = "data:image/png;base64," + "A" * (3 * 1024 * 1024)
    assert b"/Subtype /Image" not in render_pdf(f'<img src="{huge}"><p>still made</p>')


def test_a_document_too_large_is_refused_with_a_clear_error():
    with pytest.raises(DocumentError, match="too large"):
        render_pdf("<p>x</p>" * 1_000_000)


def test_writes_to_a_file_when_given_one(tmp_path):
    target = tmp_path / "out.pdf"
    with target.open("wb") as handle:
        assert render_pdf("<p>To a file</p>", target=handle) is None
    assert "To a file" in text_of(target.read_bytes())
