"""Bearer-token authentication on /api/v1: who gets in, and what a session cookie is worth there."""
from datetime import timedelta

import pytest

from chapar.models import ApiToken, utcnow
from chapar.tokens import create_token, revoke


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def assert_401(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = response.get_json()["error"]
    assert error["status"] == 401 and error["code"] == "unauthorized" and error["message"]


def test_me_with_a_valid_token(app, users, api_as):
    response = api_as("marketer").get("/api/v1/me")
    assert response.status_code == 200
    body = response.get_json()
    user = users["marketer"]
    assert body["id"] == user.id and body["email"] == user.email and body["name"] == "Marketer"
    assert body["role"] == "marketer" and body["user_role"] == "marketer"
    assert body["locale"] == "en"  # the site default when the user has not picked one
    assert ApiToken.get_by_id(body["token_id"]).user_id == user.id


def test_me_reports_the_token_role_not_the_user_role(app, users):
    _token, secret = create_token(users["admin"], "read only", role="viewer")
    body = app.test_client().get("/api/v1/me", headers=bearer(secret)).get_json()
    assert body["role"] == "viewer" and body["user_role"] == "admin"


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer chp_not-a-real-token"},
    {"Authorization": "Bearer " + "x" * 500},
], ids=["missing", "empty", "basic", "unknown", "oversized"])
def test_401_without_a_usable_token(app, users, headers):
    assert_401(app.test_client().get("/api/v1/me", headers=headers))


def test_401_with_a_revoked_token(app, users):
    token, secret = create_token(users["manager"], "soon gone")
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    revoke(token)
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert_401(response)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_401_when_the_owner_is_deactivated(app, users):
    _token, secret = create_token(users["manager"], "owner leaves")
    users["manager"].active = False
    users["manager"].save()
    assert_401(app.test_client().get("/api/v1/me", headers=bearer(secret)))


def test_a_token_that_outranks_its_demoted_owner_is_refused(app, users):
    _token, secret = create_token(users["manager"], "before demotion", role="manager")
    users["manager"].role = "viewer"
    users["manager"].save()
    response = app.test_client().get("/api/v1/me", headers=bearer(secret))
    assert_401(response)
    assert "role" in response.get_json()["error"]["message"]


def test_a_session_cookie_alone_does_not_authenticate(app, users, client_as):
    browser = client_as("admin")
    assert_401(browser.get("/api/v1/me"))
    # Not even with the page's CSRF token: the API takes Bearer tokens only.
    before = ApiToken.select().count()
    response = browser.raw.post("/api/v1/tokens", json={"name": "via cookie"},
                                headers={"X-CSRFToken": browser.csrf_token()})
    assert_401(response)
    assert ApiToken.select().count() == before


def test_the_api_ignores_the_session_entirely(app, users, client_as):
    from flask_login import current_user

    browser = client_as("admin")
    _token, secret = create_token(users["viewer"], "mine")
    response = browser.raw.get("/api/v1/me", headers=bearer(secret))
    assert response.get_json()["email"] == users["viewer"].email
    assert "Set-Cookie" not in response.headers
    assert browser.get("/api/v1/me").status_code == 401
    with browser.raw:  # the browser's own session survived the API calls
        browser.get("/login")
        assert current_user.id == users["admin"].id


def test_unsafe_api_calls_need_no_csrf_token(app, users, api_as):
    response = api_as("manager").post("/api/v1/tokens", json={"name": "ci"})
    assert response.status_code == 201, response.get_data(as_text=True)


def test_last_used_at_is_written_at_most_once_a_minute(app, users):
    token, secret = create_token(users["viewer"], "busy")
    client = app.test_client()
    client.get("/api/v1/me", headers=bearer(secret))
    first = ApiToken.get_by_id(token.id).last_used_at
    assert first is not None
    client.get("/api/v1/me", headers=bearer(secret))
    assert ApiToken.get_by_id(token.id).last_used_at == first
    earlier = utcnow() - timedelta(minutes=2)
    ApiToken.update(last_used_at=earlier).where(ApiToken.id == token.id).execute()
    client.get("/api/v1/me", headers=bearer(secret))
    assert ApiToken.get_by_id(token.id).last_used_at > earlier


def test_the_openapi_document_is_public(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["info"]["title"] == "Chapar"

