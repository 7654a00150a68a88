"""Programs faxed through the HTTP fax API (http_fax_server.py), outcomes by polling and by the
line's status webhook, received faxes, and a hostile set of webhook calls."""
import datetime
import io

import pytest
from chapar import InboundMessage, Message, render_pdf, utcnow
from fax_support import (
    add_fax_contacts,
    e164,
    fax_program,
    make_line,
    pdf_text,
    send_all,
)


@pytest.fixture
def caller(fax_app):
    """The fax API calling in: no cookies, no CSRF token."""
    return fax_app.test_client()


def api_line(api, polling=False, **settings):
    values = {"url": f"{api.url}/v1/faxes", "api_key": api.api_key, "timeout": 5, **settings}
    if polling:
        values["status_url"] = f"{api.url}/v1/faxes/{{job_id}}"
    return make_line("http", values)


def sent(app, api, users, line, count=2):
    program = fax_program(users, line, add_fax_contacts(count))
    send_all(app, program, users)
    return {m.address: m for m in Message.select().where(Message.program == program.id)}


def test_a_program_is_uploaded_and_polling_moves_each_message(fax_app, api, users):
    from chapar_fax.faxes import poll_lines

    messages = sent(fax_app, api, users, api_line(api, polling=True))
    one, two = messages[e164(0)], messages[e164(1)]
    assert {one.status, two.status} == {"sent"}
    by_number = {upload["fields"]["to"]: upload for upload in api.uploads}
    assert set(by_number) == {e164(0), e164(1)}
    assert "Dear Person0" in pdf_text(by_number[e164(0)]["files"]["file"]["data"])[0]
    api.jobs[Message.get_by_id(one.id).provider_id].update(status="delivered", pages=1)
    api.jobs[Message.get_by_id(two.id).provider_id].update(status="failed", reason="remote hung up")
    assert poll_lines() == 2
    assert Message.get_by_id(one.id).status == "delivered"
    failed = Message.get_by_id(two.id)
    assert failed.status == "failed" and "remote hung up" in failed.error


def status_url(line, name="status", secret=None):
    return f"/fax/lines/{line.id}/{name}?secret={line.secret if secret is None else secret}"


def test_status_webhooks_in_json_and_forms_move_messages(fax_app, api, users, caller):
    from chapar_fax.faxes import resubmit_due
    from chapar_fax.lines import FaxJob

    line = api_line(api)
    messages = sent(fax_app, api, users, line)
    one, two = (Message.get_by_id(messages[e164(i)].id) for i in (0, 1))
    answer = caller.post(status_url(line), json={"id": one.provider_id, "status": "DELIVERED", "pages": 1})
    assert (answer.status_code, answer.text) == (200, "OK")
    assert Message.get_by_id(one.id).status == "delivered"
    answer = caller.post(status_url(line), data={"id": two.provider_id, "status": "busy", "reason": "busy signal"})
    assert answer.status_code == 200
    assert FaxJob.get(FaxJob.provider_id == two.provider_id).state == "retry"
    assert resubmit_due(utcnow() + datetime.timedelta(hours=1)) == 1  # the busy fax goes out again
    assert api.uploads[-1]["fields"]["reference"] == f"chapar-{two.id}-2"
    again = caller.post(status_url(line), json={"id": one.provider_id, "status": "DELIVERED"})
    assert (again.status_code, again.text) == (200, "already recorded")


def test_hostile_status_webhooks_change_nothing(fax_app, api, users, caller):
    line = api_line(api)
    other = make_line("http", {"url": f"{api.url}/v1/faxes", "api_key": api.api_key}, name="other line",
                      is_default=False)
    message = Message.get_by_id(sent(fax_app, api, users, line, count=1)[e164(0)].id)
    job = {"id": message.provider_id, "status": "failed", "reason": "spoofed"}

    assert caller.post(status_url(line, secret="guess"), json=job).status_code == 403
    assert caller.post(status_url(other), json=job).status_code == 404  # another line's job
    assert caller.post(status_url(line), json={**job, "id": "fax_999"}).status_code == 404
    malformed = caller.post(status_url(line), data='{"id": "fax_1", "status": ', content_type="application/json")
    assert (malformed.status_code, malformed.text) == (400, "malformed JSON")
    assert caller.post(status_url(line), json={"status": "failed"}).status_code == 400  # no job id
    unknown_word = caller.post(status_url(line), json={**job, "status": "EXPLODED"})
    assert (unknown_word.status_code, unknown_word.text) == (200, "unknown status ignored")
    huge = caller.post(status_url(line), data=b"x" * (25 * 1024 * 1024 + 1), content_type="application/json")
    assert huge.status_code == 413
    assert Message.get_by_id(message.id).status == "sent"


def test_a_received_fax_becomes_an_inbound_message_of_its_contact(fax_app, api, users, caller):
    from chapar import Contact

    line = api_line(api)
    [contact_id] = add_fax_contacts(1)
    pdf = render_pdf("<p>We would like 30 boxes.</p>")
    answer = caller.post(status_url(line, "received"), data={
        "from": "+98 21 8877 0000", "id": "in_1", "file": (io.BytesIO(pdf), "in.pdf")},
        content_type="multipart/form-data")
    assert (answer.status_code, answer.text) == (200, "OK")
    [inbound] = InboundMessage.select().where(InboundMessage.channel == "fax")
    assert inbound.contact_id == contact_id == Contact.get_by_id(contact_id).id
    assert inbound.provider_id == "in_1" and inbound.data["pages"] == 1  # counted: the service gave none


def test_a_received_fax_image_is_kept_as_a_pdf_of_every_page(fax_app, api, caller):
    from chapar_fax.store import received_path
    from PIL import Image

    image = io.BytesIO()
    frames = [Image.new("1", (1728, 1100), 1) for _ in range(3)]
    frames[0].save(image, format="TIFF", save_all=True, append_images=frames[1:], compression="group4",
                   dpi=(204, 98))
    answer = caller.post(status_url(api_line(api, received_file_field="fax", received_from_field="caller"), "received"),
                         data={"caller": "ACME SALES", "fax": (io.BytesIO(image.getvalue()), "in.tif")},
                         content_type="multipart/form-data")
    assert (answer.status_code, answer.text) == (200, "OK")
    [inbound] = InboundMessage.select().where(InboundMessage.channel == "fax")
    assert (inbound.sender, inbound.data["pages"]) == ("ACME SALES", 3)
    assert len(pdf_text(received_path(inbound.data["file"]).read_bytes())) == 3


def test_received_faxes_that_are_not_pdfs_or_have_no_file_are_refused(fax_app, api, caller):
    line = api_line(api)
    not_pdf = caller.post(status_url(line, "received"), data={"from": "+982188770000",
                                                               "file": (io.BytesIO(b"<html>"), "in.pdf")},
                          content_type="multipart/form-data")
    assert not_pdf.status_code == 400 and "TIFF" in not_pdf.text  # neither a PDF nor a fax image
    no_file = caller.post(status_url(line, "received"), data={"from": "+982188770000"})
    assert (no_file.status_code, no_file.text) == (400, "no fax file")
    assert caller.post(status_url(line, "received", secret="x"), data={"from": "1"}).status_code == 403
    assert InboundMessage.select().where(InboundMessage.channel == "fax").count() == 0
