"""The HylaFAX transport against a private HylaFAX (faxq + hfaxd, hylafax_support.py) with no
modem: jobs accepted with the TIFF we rendered, their state followed, failed jobs, refusals, and
the server down or the password wrong.

These tests hold no database: the transport gets an unsaved FaxLine. What cannot happen without a
modem (a fax delivered, a busy line, no answer) is listed in the README's HylaFAX section; the
mapping of those states is checked on HylaFAX's own status codes and words.
"""
import json
import subprocess

import pytest
from chapar_fax import FaxDocument, TransportError
from chapar_fax.lines import FaxLine
from chapar_fax.transports.hylafax import HylafaxTransport, failure_outcome
from chapar_process import free_port
from hylafax_support import hylafax_server  # noqa: F401
from PIL import Image

NUMBER = "+982155443322"
PAGES = "/Helvetica findfont 20 scalefont setfont 72 700 moveto (Page one) show showpage 72 700 moveto (Two) show showpage"


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """A two-page fax as the channel prepares it: a PDF and its G4 TIFF at 204x196 dpi."""
    folder = tmp_path_factory.mktemp("hylafax-documents")
    pdf, tiff = folder / "letter.pdf", folder / "letter.tif"
    for device, path in (("pdfwrite", pdf), ("tiffg4", tiff)):
        subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", f"-sDEVICE={device}", "-r204x196",
                        "-sPAPERSIZE=a4", f"-sOutputFile={path}", "-c",
                        PAGES], check=True)
    return pdf, tiff


_ids = iter(range(1000, 100000))


def document(documents, to=NUMBER, tiff=True, message_id=None, attempt=1):
    pdf, tiff_path = documents
    return FaxDocument(message_id=message_id or next(_ids), to=to, pdf_path=str(pdf),
                       tiff_path=str(tiff_path) if tiff else "", pages=2, sender="", attempt=attempt)


def transport(server, sender="+982188000000", **changes):
    line = FaxLine(id=7, name="office", kind="hylafax", sender=sender,
                   settings_json=json.dumps({**server.settings, **changes}))
    return HylafaxTransport(line)


def submitted(server, result):
    assert result.outcome == "accepted", result.error
    return server.wait_for(result.provider_id, lambda queued: queued.get("state") not in (None, "1"))


def test_test_connection_logs_in_and_says_what_answered(hylafax):
    answer = transport(hylafax).test_connection()
    assert "HylaFAX" in answer and "UNIX" in answer


def test_a_fax_becomes_a_job_with_the_tiff_we_rendered(hylafax, documents):
    fax = document(documents)
    [result] = transport(hylafax).submit([fax])
    assert result.message_id == fax.message_id and result.units == 2
    queued = submitted(hylafax, result)
    assert queued["number"] == NUMBER and queued["external"] == NUMBER
    assert queued["jobtag"] == fax.reference  # our idempotency key, kept by HylaFAX
    assert queued["tsi"] == "+982188000000"  # the line's number as our station id
    assert (queued["maxdials"], queued["maxtries"], queued["notify"]) == ("3", "3", "none")
    # The document HylaFAX will fax is the TIFF we sent, byte for byte: 2 pages at fine resolution.
    kind, _name = queued["tiff"].split("::")[-1], None
    path = hylafax.spool / queued["tiff"].split("::", 1)[1]
    assert kind.endswith(f".tif.{result.provider_id}")
    assert path.read_bytes() == documents[1].read_bytes()
    with Image.open(path) as image:
        assert image.n_frames == 2
        assert tuple(round(d) for d in image.info["dpi"]) == (204, 196)
        assert image.info["compression"] == "group4"


def test_without_a_tiff_the_pdf_is_sent_for_hylafax_to_convert(hylafax, documents):
    [result] = transport(hylafax).submit([document(documents, tiff=False)])
    queued = submitted(hylafax, result)
    stored = hylafax.spool / queued["pdf"].split("::", 1)[1]
    assert stored.read_bytes() == documents[0].read_bytes()
    assert queued["resolution"] == "196"  # fine mode for HylaFAX's own conversion


def test_a_fax_submitted_again_after_a_lost_answer_is_not_queued_twice(hylafax, documents):
    fax = document(documents)
    first = transport(hylafax).submit([fax])[0]
    again = transport(hylafax).submit([fax])[0]
    assert again.outcome == "accepted" and again.provider_id == first.provider_id
    retry = transport(hylafax).submit([document(documents, message_id=fax.message_id, attempt=2)])[0]
    assert retry.provider_id != first.provider_id  # a retry after busy is a new job


def test_a_queued_job_is_pending_until_hylafax_ends_it(hylafax, documents):
    line = transport(hylafax)
    waiting, killed = line.submit([document(documents), document(documents)])
    submitted(hylafax, waiting)
    submitted(hylafax, killed)
    hylafax.kill(killed.provider_id)  # what faxrm does
    hylafax.wait_for(killed.provider_id, lambda queued: queued.get("state") == "8")
    statuses = {status.provider_id: status for status in line.poll([waiting.provider_id, killed.provider_id, "99999"])}
    assert set(statuses) == {waiting.provider_id, killed.provider_id}  # an unknown job is not reported
    assert statuses[waiting.provider_id].outcome == "pending"
    assert statuses[killed.provider_id].outcome == "failed"
    assert statuses[killed.provider_id].reason == "Job aborted by request"


def test_a_second_fax_to_the_same_number_waits_blocked_and_says_why(hylafax, documents):
    line = transport(hylafax)
    first, second = line.submit([document(documents, to="+982155440001"), document(documents, to="+982155440001")])
    submitted(hylafax, first)
    hylafax.wait_for(second.provider_id, lambda queued: queued.get("state") == "4")  # blocked
    statuses = {status.provider_id: status for status in line.poll([first.provider_id, second.provider_id])}
    assert [statuses[job].outcome for job in (first.provider_id, second.provider_id)] == ["pending", "pending"]
    assert statuses[second.provider_id].reason == "Blocked by concurrent calls"


def test_a_job_faxq_refuses_is_final_with_its_reason(hylafax, documents):
    [result] = transport(hylafax, modem="ttyS9").submit([document(documents)])
    assert result.outcome == "permanent"
    assert "ttyS9 is not registered" in result.error


def test_one_refused_fax_does_not_stop_the_others(hylafax, documents, tmp_path):
    missing = FaxDocument(message_id=next(_ids), to=NUMBER, pdf_path=str(tmp_path / "gone.pdf"),
                          tiff_path=str(tmp_path / "gone.tif"), pages=1, sender="")
    good = document(documents)
    results = transport(hylafax).submit([missing, good])
    assert [r.outcome for r in results] == ["permanent", "accepted"]
    assert "cannot be read" in results[0].error


def test_a_wrong_password_is_a_transport_error(hylafax, documents):
    # hfaxd answers a wrong password only after a pause (against guessing): one try here.
    with pytest.raises(TransportError, match="Login incorrect"):
        transport(hylafax, password="not-the-password").submit([document(documents)])


def test_a_server_that_is_down_is_a_transport_error(hylafax, documents):
    line = transport(hylafax, port=free_port(), timeout=3)
    with pytest.raises(TransportError, match="cannot be reached"):
        line.submit([document(documents)])
    with pytest.raises(TransportError):
        line.poll(["1"])


def test_a_line_break_in_a_setting_never_becomes_a_command(hylafax, documents):
    # Were "JKILL" sent as a command of its own, the job would be killed once submitted.
    [result] = transport(hylafax, notify_address="ops@example.com\r\nJKILL").submit([document(documents)])
    queued = submitted(hylafax, result)
    assert queued["mailaddr"] == "ops@example.com JKILL" and queued["state"] != "8"


@pytest.mark.parametrize("code, status, outcome", [
    ("001", "Busy signal detected", "busy"),
    ("003", "No answer from remote", "no_answer"),
    ("002", "No carrier detected", "no_answer"),
    ("011", "Ringback detected, no answer without CED", "no_answer"),
    ("", "Busy signal detected", "busy"),
    ("345", "Job aborted by request", "failed"),
    ("325", "Kill time expired", "failed"),
])
def test_hylafax_failures_map_to_retry_or_final(code, status, outcome):
    assert failure_outcome(code, status) == outcome


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # needs the app, not its database
def test_settings_hylafax_cannot_use_are_refused_with_a_reason(hylafax, app):
    with app.test_request_context():
        errors = transport(hylafax).validate_settings({"max_dials": 0, "max_tries": 3, "kill_hours": 1000,
                                                       "notify": "done", "notify_address": ""})
        assert transport(hylafax).validate_settings(hylafax.settings) == {}
    assert set(errors) == {"max_dials", "kill_hours", "notify_address"}
    assert errors["kill_hours"] == "Between 1 and 168."


def test_another_users_job_with_one_of_our_job_ids_is_not_taken_for_ours(hylafax, documents):
    # After HylaFAX's spool is set up again its job ids start over: one we still follow may then
    # name someone else's fax (sent with sendfax, no JOBINFO of ours), which is killed here.
    from chapar_fax.transports.hylafax_protocol import HylafaxSession

    session = HylafaxSession("127.0.0.1", hylafax.port, hylafax.username, hylafax.password)
    try:
        stored = session.store(str(documents[1]), "tiff")
        ours = transport(hylafax)._parameters(document(documents))
        foreign = session.submit([(name, value) for name, value in ours if name != "JOBINFO"], stored)
    finally:
        session.close()
    hylafax.kill(foreign)
    hylafax.wait_for(foreign, lambda queued: queued.get("state") == "8")
    assert transport(hylafax).poll([foreign]) == []  # not "failed: Job aborted by request" for our fax
