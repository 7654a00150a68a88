"""The HTTP fax transport against a local fax API (http_fax_server.py): uploads, answers, polling.

These tests hold no database: the transport gets an unsaved FaxLine and rendered documents.
test_fax_http_callbacks.py sends programs through it and exercises its callbacks.
"""
import io
import json

import pytest
from chapar import render_pdf
from chapar_fax import FaxDocument, FaxStatus, TransportError
from chapar_fax.lines import FaxLine
from chapar_fax.transports.http import HttpTransport
from chapar_process import free_port
from PIL import Image
from pypdf import PdfReader


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fax-files")
    pdf, tiff = folder / "fax.pdf", folder / "fax.tif"
    pdf.write_bytes(render_pdf("<h1>Offer for Shirin «۱۴۰۵»</h1>"))
    frames = [Image.new("1", (1728, 2200), 1) for _ in range(2)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="group4", dpi=(204, 196))
    return pdf, tiff


def settings_for(server, **changes):
    return {"url": f"{server.url}/v1/faxes", "api_key": server.api_key, "timeout": 2, **changes}


def transport(settings, sender="+982188000000"):
    return HttpTransport(FaxLine(name="api line", kind="http", sender=sender, settings_json=json.dumps(settings)))


def document(files, message_id, to="+982188776655", pages=1, attempt=1):
    pdf, tiff = files
    return FaxDocument(message_id=message_id, to=to, pdf_path=str(pdf), tiff_path=str(tiff), pages=pages,
                       sender="+982188000000", attempt=attempt)


def test_each_fax_is_uploaded_with_its_pdf_and_fields(api, files):
    results = transport(settings_for(api)).submit([document(files, 5, pages=2), document(files, 6, attempt=2)])
    assert [(r.outcome, r.provider_id, r.units) for r in results] == [("accepted", "fax_1", 2),
                                                                     ("accepted", "fax_2", 1)]
    first, second = api.uploads
    assert first["fields"] == {"to": "+982188776655", "from": "+982188000000", "reference": "chapar-5-1"}
    assert second["fields"]["reference"] == "chapar-6-2"
    upload = first["files"]["file"]
    assert (upload["type"], upload["filename"]) == ("application/pdf", "fax-chapar-5-1.pdf")
    assert "Offer for Shirin" in PdfReader(io.BytesIO(upload["data"])).pages[0].extract_text()


def test_field_names_the_file_type_and_the_id_path_are_settings(api, files):
    gateway = transport(settings_for(api, wants="tiff", file_field="document", job_id_path="re:fax_(\\d+)",
                                     form_fields="recipient={number}\nnote=Ref {reference} & more",
                                     headers="Authorization: Bearer {api_key}\nX-Ref: {reference}"))
    assert gateway.wants == "tiff"
    [result] = gateway.submit([document(files, 9)])
    assert (result.outcome, result.provider_id) == ("accepted", "1")
    [upload] = api.uploads
    assert upload["fields"] == {"recipient": "982188776655", "note": "Ref chapar-9-1 & more"}
    assert upload["headers"]["X-Ref"] == "chapar-9-1"
    sent = upload["files"]["document"]
    assert sent["type"] == "image/tiff"
    with Image.open(io.BytesIO(sent["data"])) as image:
        assert image.n_frames == 2


@pytest.mark.parametrize("status, body, headers, outcome, words, retry_after", [
    (429, {"error": "slow down"}, {"Retry-After": "120"}, "transient", "HTTP 429", 120),
    (503, "maintenance", {}, "transient", "maintenance", None),
    (400, {"error": "invalid fax number"}, {}, "permanent", "invalid fax number", None),
])
def test_answers_become_retries_or_failures_with_the_apis_words(api, files, status, body, headers, outcome, words,
                                                                 retry_after):
    api.fail_next(status, body, headers)
    [result] = transport(settings_for(api)).submit([document(files, 1)])
    assert result.outcome == outcome and words in result.error
    assert result.retry_after == retry_after


def test_a_success_rule_the_answer_fails_is_a_refusal(api, files):
    api.fail_next(200, {"status": "rejected", "message": "number on do-not-fax list"})
    [result] = transport(settings_for(api, success="status=queued")).submit([document(files, 1)])
    assert result.outcome == "permanent" and "do-not-fax" in result.error


def test_a_wrong_api_key_fails_each_fax_and_nothing_is_uploaded(api, files):
    [result] = transport(settings_for(api, api_key="stale")).submit([document(files, 1)])
    assert result.outcome == "permanent" and "invalid api key" in result.error
    assert api.uploads == []


def test_the_connection_test_of_an_unreachable_api_says_so():
    gateway = transport({"url": f"http://127.0.0.1:{free_port()}/v1/faxes", "timeout": 2})
    with pytest.raises(TransportError, match="127.0.0.1"):
        gateway.test_connection()


def test_an_api_that_is_down_fails_the_whole_batch(files):
    gateway = transport({"url": f"http://127.0.0.1:{free_port()}/v1/faxes", "timeout": 2})
    with pytest.raises(TransportError, match="127.0.0.1"):
        gateway.submit([document(files, 1), document(files, 2)])


def test_no_answer_in_time_fails_the_batch_when_nothing_was_handed_over_yet(api, files):
    api.stall_next()
    with pytest.raises(TransportError, match="no answer"):
        transport(settings_for(api, timeout=1)).submit([document(files, 1)])


def test_no_answer_in_time_later_in_a_batch_keeps_what_was_handed_over(api, files):
    gateway = transport(settings_for(api, timeout=1))
    api.fail_next(200, {"id": "fax_early", "status": "queued"})
    api.stall_next()
    results = gateway.submit([document(files, 1), document(files, 2), document(files, 3)])
    assert [r.outcome for r in results] == ["accepted", "uncertain", "transient"]
    assert results[0].provider_id == "fax_early"


def test_the_connection_test_reports_what_the_api_answered(api):
    assert transport(settings_for(api)).test_connection() == f"127.0.0.1:{api.port}: HTTP 200 OK"


def test_a_line_polls_only_with_a_status_url(api):
    assert transport(settings_for(api)).polls is False
    assert transport(settings_for(api)).poll(["fax_1"]) == []
    assert transport(settings_for(api, status_url=f"{api.url}/v1/faxes/{{job_id}}")).polls is True


def test_polling_maps_the_apis_words_onto_outcomes(api):
    api.jobs.update({
        "fax_1": {"status": "delivered", "pages": 2},
        "fax_2": {"status": "BUSY", "reason": "line busy"},
        "fax_3": {"status": "no_answer"},
        "fax_4": {"status": "sending"},
        "fax_5": {"status": "exploded"},  # a word the line does not know: asked again next time
    })
    gateway = transport(settings_for(api, status_url=f"{api.url}/v1/faxes/{{job_id}}", reason_field="reason"))
    found = gateway.poll(["fax_1", "fax_2", "fax_3", "fax_4", "fax_5", "fax_unknown"])
    assert found == [FaxStatus("fax_1", "delivered", "", 2), FaxStatus("fax_2", "busy", "line busy"),
                     FaxStatus("fax_3", "no_answer", "no_answer"), FaxStatus("fax_4", "pending", "sending")]
    assert api.polled == ["fax_1", "fax_2", "fax_3", "fax_4", "fax_5", "fax_unknown"]


def test_polling_an_api_that_is_down_is_a_transport_error():
    gateway = transport({"url": "http://127.0.0.1:9/v1/faxes",
                         "status_url": f"http://127.0.0.1:{free_port()}/v1/faxes/{{job_id}}"})
    with pytest.raises(TransportError):
        gateway.poll(["fax_1"])


@pytest.mark.parametrize("changes, field, words", [
    ({"url": "ftp://api.example.com/faxes"}, "url", "http://"),
    ({"url": "https://api.example.com/{fax}"}, "url", "fax"),
    ({"status_url": "https://api.example.com/faxes/status"}, "status_url", "{job_id}"),
    ({"status_url": "https://api.example.com/faxes/{number}"}, "status_url", "number"),
    ({"headers": "Authorization Bearer {api_key}"}, "headers", "Name: value"),
    ({"form_fields": "to {e164}"}, "form_fields", "name=value"),
    ({"status_map": "OK=done"}, "status_map", "OK=done"),
    ({"job_id_path": "re:(unclosed"}, "job_id_path", "regular expression"),
    ({"wants": "gif"}, "wants", "PDF or TIFF"),
    ({"timeout": 0}, "timeout", "1 to 300"),
])
def test_bad_settings_are_refused_with_a_clear_message(changes, field, words):
    values = {"url": "https://api.example.com/v1/faxes", **changes}
    errors = transport(values).validate_settings(values)
    assert list(errors) == [field]
    assert words in errors[field]


def test_the_default_settings_pass():
    values = {"url": "https://api.example.com/v1/faxes?to={e164}",
              "status_url": "https://api.example.com/v1/faxes/{job_id}?key={api_key}"}
    assert transport(values).validate_settings(values) == {}
