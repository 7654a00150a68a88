"""Odd input gets a clear 4xx, never a 500: NUL characters, ids and page numbers too large for
the database, query arguments that url_for would read as its own, job ids RQ cannot hold."""
import html
import io
import re

import pytest

from chapar import jobs
from chapar.models import ApiToken, AuditLog, SiteSetting, User

HUGE = "9" * 30
TOO_BIG_FOR_INT64 = str(2**63)


# --- NUL characters ----------------------------------------------------------------------------

@pytest.mark.parametrize("who, url, data", [
    (None, "/login", {"email": "a\x00b@example.test", "password": "whatever password"}),
    (None, "/login", {"email": "admin@example.test", "password": "what\x00ever"}),
    ("admin", "/admin/users/new", {"email": "n\x00ul@example.test", "name": "x", "role": "viewer", "locale": "",
                                   "password": ""}),
    ("admin", "/admin/users/new", {"email": "nul2@example.test", "name": "x\x00y", "role": "viewer", "locale": "",
                                   "password": ""}),
    ("admin", "/admin/settings", {"organisation_name": "Acme\x00", "default_locale": "en",
                                  "default_time_zone": "UTC", "default_country": ""}),
    ("viewer", "/account/tokens", {"name": "t\x00", "role": "viewer"}),
    ("viewer", "/account/tokens", {"name\x00": "t", "role": "viewer"}),
])
def test_nul_in_a_form_is_refused_with_the_error_page(client, client_as, users, who, url, data):
    browser = client_as(who) if who else client
    before = (User.select().count(), ApiToken.select().count(), SiteSetting.select().count())
    response = browser.post(url, data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Bad request" in text and '<meta name="csrf-token"' in text  # the layout's error page
    assert (User.select().count(), ApiToken.select().count(), SiteSetting.select().count()) == before


@pytest.mark.parametrize("url", ["/admin/audit?action=%00", "/admin/audit?action=x&page=1%00",
                                 "/admin/users?%00=1", "/admin/jobs/queue/%00/failed"])
def test_nul_in_a_query_or_path_is_refused(client_as, url):
    assert client_as("admin").get(url).status_code == 400


@pytest.mark.parametrize("body", [{"name": "a\u0000b"}, {"name": "ok", "role": "viewer\u0000"},
                                  {"name": "ok", "nested": [{"deep": "\u0000"}]}, {"na\u0000me": "ok"}])
def test_nul_in_json_is_refused_with_a_json_error(app, users, api_as, body):
    response = api_as("manager").post("/api/v1/tokens", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and "NUL" in error["message"] and "JSON" in error["message"]
    assert ApiToken.select().count() == 1  # only api_as's own


@pytest.mark.parametrize("body", [b"[" * 20_000 + b"]" * 20_000, b'{"a":' * 5000 + b"1" + b"}" * 5000])
def test_json_nested_too_deeply_is_a_clear_400_before_any_login(app, body):
    response = app.test_client().post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.get_json()["error"]["message"]


def test_nul_in_an_api_query_is_refused_with_a_json_error(app, users, api_as):
    response = api_as("viewer").get("/api/v1/tokens?all=%00")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


# --- numbers too large -------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [
    ("GET", f"/admin/users/{HUGE}"), ("GET", f"/admin/users/{TOO_BIG_FOR_INT64}"),
    ("POST", f"/admin/users/{HUGE}"), ("POST", f"/admin/users/{HUGE}/active"),
    ("POST", f"/admin/users/{HUGE}/reset-password"), ("GET", f"/account/tokens/{HUGE}/revoke"),
    ("POST", f"/account/tokens/{TOO_BIG_FOR_INT64}/revoke"), ("GET", f"/admin/users/{2**63 - 1}"),
    ("GET", "/admin/users/0"),
])
def test_ids_beyond_the_database_are_not_found(client_as, method, url):
    admin = client_as("admin")
    response = admin.get(url) if method == "GET" else admin.post(url, {"active": "0"})
    assert response.status_code == 404


@pytest.mark.parametrize("token_id", [HUGE, TOO_BIG_FOR_INT64])
def test_api_ids_beyond_the_database_are_not_found(app, users, api_as, token_id):
    response = api_as("admin").delete(f"/api/v1/tokens/{token_id}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_id_converter_is_documented_with_its_range(app, users, api_as):
    spec = api_as("viewer").get("/api/v1/openapi.json").get_json()
    parameter = spec["paths"]["/api/v1/tokens/{token_id}"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


@pytest.mark.parametrize("url", [f"/admin/audit?page={HUGE}", f"/admin/users?page={HUGE}",
                                 f"/admin/audit?page={2**62}", "/admin/audit?page=-3",
                                 f"/admin/jobs/queue/default/failed?page={HUGE}",
                                 f"/admin/jobs/queue/default/failed?page={2**62}",
                                 "/admin/jobs/queue/default/failed?page=1000001"])
def test_huge_page_numbers_show_a_page(client_as, url):
    assert client_as("admin").get(url).status_code == 200


@pytest.mark.parametrize("page", [HUGE, str(2**62), "1000001"])
def test_api_page_numbers_are_capped_with_a_clear_422(app, users, api_as, page):
    response = api_as("viewer").get(f"/api/v1/tokens?page={page}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["details"]["fields"] == {"page": ["Must be a page number from 1 to 1,000,000."]}


def test_the_largest_api_page_is_empty_not_an_error(app, users, api_as):
    response = api_as("viewer").get("/api/v1/tokens?page=1000000&per_page=200")
    assert response.status_code == 200 and response.get_json()["items"] == []


# --- page links ----------------------------------------------------------------------------------

@pytest.fixture
def two_pages_of_audit(app, users):
    for number in range(60):
        AuditLog.create(action="job.retried", target=f"job {number}")


@pytest.mark.parametrize("extra, expected", [
    ("", "/admin/audit?action=job.retried&page=2"),
    ("&_external=1", "/admin/audit?action=job.retried&_external=1&page=2"),
    ("&_external=1&_scheme=javascript", "/admin/audit?action=job.retried&_external=1&_scheme=javascript&page=2"),
    ("&_anchor=x%22%3E%3Cb%3E", "/admin/audit?action=job.retried&_anchor=x%22%3E%3Cb%3E&page=2"),
    ("&_method=POST", "/admin/audit?action=job.retried&_method=POST&page=2"),
    ("&endpoint=x", "/admin/audit?action=job.retried&endpoint=x&page=2"),
])
def test_page_links_carry_query_arguments_without_obeying_them(client_as, two_pages_of_audit, extra, expected):
    response = client_as("admin").get("/admin/audit?action=job.retried&page=1" + extra)
    assert response.status_code == 200
    links = re.findall(r'class="button small" href="([^"]*)" rel="next"', response.get_data(as_text=True))
    assert [html.unescape(link) for link in links] == [expected]


# --- job ids -----------------------------------------------------------------------------------

@pytest.mark.parametrize("job_id", ["bad.id", "has space", "x" * 300 + "!", "ünïcode"])
def test_job_ids_rq_cannot_hold_are_not_found(app, client_as, job_id):
    with pytest.raises(jobs.JobNotFound):
        jobs.delete(job_id)
    with pytest.raises(jobs.JobNotFound):
        jobs.retry(job_id)
    manager = client_as("manager")
    for action in ("delete", "retry"):
        response = manager.post(f"/admin/jobs/job/{job_id}/{action}")
        assert response.status_code == 302
        assert "no longer" in manager.get(response.headers["Location"]).get_data(as_text=True)


def test_the_nul_check_leaves_a_form_body_readable_as_it_came(app):
    """A view that verifies a signature over the raw body (a webhook) still gets it."""
    from flask import request

    from chapar.security import csrf

    @csrf.exempt
    def raw_body():
        return {"raw": request.get_data(as_text=True), "form": request.form.get("a")}

    app.add_url_rule("/test-raw-body", "test_raw_body", raw_body, methods=["POST"])
    response = app.test_client().post("/test-raw-body", data={"a": "1", "b": "2"})
    assert response.get_json() == {"raw": "a=1&b=2", "form": "1"}


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_id_zero_is_not_found_whatever_the_method(api_as, method):
    body = {} if method == "get" else {"json": {}}  # a GET with a body is refused (400) by design
    response = getattr(api_as("manager"), method)("/api/v1/contacts/0", **body)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_a_capped_public_endpoint_refuses_a_large_body_before_anything_parses_it(app):
    from flask import Blueprint

    from chapar import cap_request_body, csrf_exempt

    hook = Blueprint("capped_hook", __name__)
    csrf_exempt(hook)
    cap_request_body(hook, 1024)

    @hook.post("/capped-hook")
    def capped():
        return "read"

    app.register_blueprint(hook)
    client = app.test_client()
    # Refused for its size, not for its NUL: the core's guard never parsed it.
    assert client.post("/capped-hook", data={"field": "x" * 5000 + "\x00"}).status_code == 413
    assert client.post("/capped-hook", data={"field": "small\x00"}).status_code == 400  # under the cap: checked
    assert client.post("/capped-hook", data={"field": "small"}).get_data(as_text=True) == "read"
    # Chunked, with no length: refused too, not cut off and handed to the view in part.
    chunked = client.post("/capped-hook", input_stream=io.BytesIO(b"field=" + b"y" * 5000),
                          content_type="application/x-www-form-urlencoded", headers={"Transfer-Encoding": "chunked"},
                          environ_overrides={"wsgi.input_terminated": True})
    assert chunked.status_code == 413
