"""The transports' callbacks (/fax/lines/<id>/<name>): the line's secret in constant time, a 25 MB
cap, wrong secrets rate-limited; status reports and received faxes through them; received faxes
matched to contact and program, kept once, and downloadable only by signed-in users."""
import datetime
import io

import pytest
from chapar import InboundMessage, Message
from fax_support import add_fax_contacts, e164, fax_program, pdf_text, send_all
from test_fax_tiff import fax_tiff


@pytest.fixture
def caller(fax_app):
    """A fax service's view of Chapar: no cookies, no CSRF token."""
    return fax_app.test_client()


def url(line, name, secret=None):
    return f"/fax/lines/{line.id}/{name}?secret={line.secret if secret is None else secret}"


def one_page_pdf():
    from chapar import render_pdf

    return render_pdf("<p>Order: 12 boxes of saffron</p>")


def test_a_callback_needs_the_lines_secret(folder_line, caller):
    assert caller.post(f"/fax/lines/{folder_line.id}/status").status_code == 403
    assert caller.post(url(folder_line, "status", "wrong")).status_code == 403
    assert caller.post(f"/fax/lines/{folder_line.id + 1}/status?secret={folder_line.secret}").status_code == 403
    assert caller.post(url(folder_line, "nonsense")).status_code == 404
    ok = caller.post(url(folder_line, "status"), data={"job": "job-unknown", "outcome": "delivered"})
    assert ok.status_code == 200  # an unknown job is logged and ignored
    headers = {"X-Chapar-Secret": folder_line.secret}
    assert caller.post(f"/fax/lines/{folder_line.id}/status", headers=headers, data={"job": "x"}).status_code == 200


def test_wrong_secrets_are_rate_limited(folder_line, caller, monkeypatch):
    monkeypatch.setenv("CHAPAR_FAX_WRONG_SECRET_LIMIT", "3 per minute")
    codes = [caller.post(url(folder_line, "status", "guess")).status_code for _ in range(5)]
    assert codes[:3] == [403] * 3 and codes[3:] == [429, 429]


def test_an_upload_over_25_mb_is_refused_unread(folder_line, caller):
    body = b"x" * (25 * 1024 * 1024 + 1)
    response = caller.post(url(folder_line, "received"), data=body, content_type="application/octet-stream")
    assert response.status_code == 413
    assert InboundMessage.select().count() == 0


def test_a_status_callback_marks_the_fax_delivered(fax_app, folder_line, caller, users):
    from chapar_fax.lines import FaxJob

    program = fax_program(users, folder_line, add_fax_contacts(1))
    send_all(fax_app, program, users)
    message = Message.get(Message.program == program.id)
    job = FaxJob.get(FaxJob.message == message.id)
    assert caller.post(url(folder_line, "status"), data={"job": job.provider_id, "outcome": "delivered",
                                                         "pages": "1"}).status_code == 200
    assert Message.get_by_id(message.id).status == "delivered"


def test_a_received_fax_is_matched_kept_once_and_downloadable(fax_app, folder_line, caller, users, client_as, client):
    program = fax_program(users, folder_line, add_fax_contacts(1))
    send_all(fax_app, program, users)
    message = Message.get(Message.program == program.id)
    # The fax number written nationally ("021…") as the contact holds it, sent back as "0098…".
    form = {"from": "0098 21 8877 0000", "job": "in-1", "file": (io.BytesIO(fax_tiff(2)), "fax.tif")}
    answer = caller.post(url(folder_line, "received"), data=form, content_type="multipart/form-data")
    assert answer.status_code == 200
    inbound = InboundMessage.get_by_id(answer.get_json()["inbound"])
    assert inbound.channel == "fax" and inbound.sender == e164(0)
    assert inbound.contact_id == message.contact_id and inbound.program_id == program.id
    assert inbound.message_id == message.id and inbound.data["pages"] == 2
    assert inbound.data["url"] == f"/fax/received/{inbound.id}.pdf"
    again = {"from": "+982188770000", "job": "in-1", "file": (io.BytesIO(fax_tiff(2)), "fax.tif")}
    assert caller.post(url(folder_line, "received"), data=again,
                       content_type="multipart/form-data").get_json()["inbound"] == inbound.id
    assert InboundMessage.select().count() == 1

    link = f"/fax/received/{inbound.id}.pdf"
    received_list = client_as("viewer").get(f"/programs/{program.id}/inbound").get_data(as_text=True)
    assert f'<a href="{link}">Open what was received</a>' in received_list
    assert client.get(link).status_code in (302, 401)  # not signed in
    download = client_as("viewer").get(link)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Security-Policy"] == "sandbox"  # a sender's PDF runs no script here
    assert len(pdf_text(download.data)) == 2
    assert client_as("viewer").get(f"/fax/received/{inbound.id + 1}.pdf").status_code == 404


def test_a_received_fax_from_an_unknown_number_is_kept_unmatched(folder_line, caller):
    form = {"from": "+4930123456", "job": "in-2", "pages": "1", "file": (io.BytesIO(one_page_pdf()), "fax.pdf")}
    answer = caller.post(url(folder_line, "received"), data=form, content_type="multipart/form-data")
    inbound = InboundMessage.get_by_id(answer.get_json()["inbound"])
    assert inbound.contact_id is None and inbound.program_id is None and inbound.sender == "+4930123456"
    from chapar_fax.inbound import received_fax
    from chapar_fax.lines import FaxLine

    earlier = datetime.datetime(2026, 1, 2, 3, 4, 5)
    dated = received_fax(FaxLine.get_by_id(folder_line.id), "ACME SALES", one_page_pdf(), 1, received_at=earlier)
    assert InboundMessage.get_by_id(dated.id).received_at == earlier and dated.sender == "ACME SALES"


def test_a_received_file_that_is_no_fax_gets_a_clear_error(folder_line, caller):
    from chapar_fax.inbound import ReceivedFaxError, received_fax

    form = {"from": "+4930123456", "file": (io.BytesIO(b"GIF89a not a fax"), "fax.tif")}
    answer = caller.post(url(folder_line, "received"), data=form, content_type="multipart/form-data")
    assert answer.status_code == 400 and "cannot be read" in answer.get_json()["error"]

    with pytest.raises(ReceivedFaxError, match="must be a PDF"):
        received_fax(folder_line, "+4930123456", b"<html>", 1)
    assert InboundMessage.select().count() == 0
