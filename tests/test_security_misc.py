"""Smaller findings of the security review: which tokens may mint tokens, secrets in URLs,
audit gaps, the fallback error page, and the longest password."""
import json

import pytest
from chapar_process import chapar_env, free_port, run_chapar

from chapar.models import ApiToken, AuditLog, User
from chapar.passwords import MAX_LENGTH, password_problem
from chapar.users import UserError, authenticate, create_user, ensure_first_admin, set_password

TEST_PASSWORD = "correct horse battery staple"


def actions():
    return [entry.action for entry in AuditLog.select().order_by(AuditLog.id)]


# --- tokens minting tokens -------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_low_tokens_cannot_mint_tokens(app, users, api_as, role):
    response = api_as(role).post("/api/v1/tokens", json={"name": "persistence", "role": "viewer"})
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "forbidden" and "manager" in error["message"] and "web UI" in error["message"]
    assert ApiToken.select().where(ApiToken.name == "persistence").count() == 0


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_manager_and_admin_tokens_can_mint_tokens(app, users, api_as, role):
    response = api_as(role).post("/api/v1/tokens", json={"name": "deploy", "role": "viewer"})
    assert response.status_code == 201 and response.get_json()["role"] == "viewer"


def test_a_low_token_is_refused_before_its_body_is_judged(app, users, api_as):
    assert api_as("viewer").post("/api/v1/tokens", json={}).status_code == 403


# --- secrets in URLs ---------------------------------------------------------------------------

@pytest.mark.parametrize("url, secrets, shown", [
    ("postgresql://chapar:pw-in-userinfo@db.internal/chapar?sslmode=require&sslpassword=ssl-secret",
     ["pw-in-userinfo", "ssl-secret"], ["db.internal/chapar", "sslmode=require", "chapar:••••••@"]),
    ("postgresql://db.internal/chapar?password=query-secret&application_name=chapar",
     ["query-secret"], ["password=••••••", "application_name=chapar"]),
    ("redis://token-as-user@redis.internal:6379/0?api_key=k3y&Token=t0k&client_secret=s3c",
     ["token-as-user", "k3y", "t0k", "s3c"], ["redis.internal:6379/0"]),
])
def test_the_settings_page_masks_every_secret_in_a_url(app, client_as, url, secrets, shown):
    settings = app.config["CHAPAR"]
    original = settings.REDIS_URL
    settings.REDIS_URL = url
    try:
        page = client_as("admin").get("/admin/settings").get_data(as_text=True)
    finally:
        settings.REDIS_URL = original
    for secret in secrets:
        assert secret not in page
    for text in shown:
        assert text in page


def test_a_database_connection_error_masks_secret_query_arguments(tmp_path, redis_url):
    closed = free_port()
    url = f"postgresql://chapar@127.0.0.1:{closed}/chapar?sslpassword=topsecret-ssl&sslmode=disable"
    result = run_chapar(chapar_env(tmp_path, REDIS_URL=redis_url, DATABASE_URL=url), "migrate")
    assert result.returncode == 2
    assert f"cannot connect to 127.0.0.1:{closed}/chapar?sslpassword=••••••&sslmode=disable: " in result.stderr
    assert "topsecret" not in result.stderr


# --- audit gaps --------------------------------------------------------------------------------

def test_a_wrong_current_password_is_audited(client_as, users):
    viewer = client_as("viewer")
    response = viewer.post("/account/password", {"current_password": "not my password",
                                                 "new_password": "a brand new passphrase",
                                                 "confirm_password": "a brand new passphrase"})
    assert response.status_code == 422
    entry = AuditLog.select().where(AuditLog.action == "password.change_failed").get()
    assert entry.actor_id == users["viewer"].id and entry.target == users["viewer"].email
    assert "not my password" not in (entry.details or "")
    # Other refusals (a mismatch only) are the person's own typos, not a guess at the password.
    viewer.post("/account/password", {"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase",
                                      "confirm_password": "something else entirely"})
    assert actions().count("password.change_failed") == 1


def test_the_first_admin_created_on_first_run_is_audited(app):
    user, _password = ensure_first_admin()
    entry = AuditLog.select().where(AuditLog.action == "user.created").get()
    assert entry.target == user.email and entry.actor_id is None
    assert json.loads(entry.details) == {"role": "admin", "via": "first-run"}
    assert ensure_first_admin() is None and actions() == ["user.created"]


# --- the fallback error page -------------------------------------------------------------------

def test_the_fallback_error_page_escapes_its_message(app, monkeypatch):
    from chapar.webui.views import errors

    def broken(*args, **kwargs):
        raise RuntimeError("the layout itself failed")

    monkeypatch.setattr(errors, "render", broken)
    with app.test_request_context("/"):
        body, status, _headers = errors._page(404, "Not found", '<script>alert("x")</script>')
    assert status == 404
    assert "<script>" not in body and "&lt;script&gt;" in body


# --- the longest password ----------------------------------------------------------------------

def test_password_problem_refuses_more_than_the_sign_in_form_reads():
    assert password_problem("p" * MAX_LENGTH) is None
    assert password_problem("p" * (MAX_LENGTH + 1)) == "too_long"


def test_no_path_sets_a_password_that_cannot_be_used(app, users, client, client_as):
    too_long, longest = "p" * (MAX_LENGTH + 1), "q" * MAX_LENGTH
    with pytest.raises(UserError):
        create_user("long@example.test", too_long)  # the CLI's and the API's way
    with pytest.raises(UserError):
        set_password(users["viewer"], too_long)
    admin = client_as("admin")
    refused = admin.post("/admin/users/new", {"email": "long@example.test", "name": "", "role": "viewer",
                                              "locale": "", "password": too_long})
    assert refused.status_code == 422 and "Use at most 1,024 characters." in refused.get_data(as_text=True)
    assert not User.select().where(User.email == "long@example.test").exists()

    marketer = client_as("marketer")
    refused = marketer.post("/account/password", {"current_password": TEST_PASSWORD, "new_password": too_long,
                                                  "confirm_password": too_long})
    assert refused.status_code == 422 and "Use at most 1,024 characters." in refused.get_data(as_text=True)
    assert authenticate(users["marketer"].email, TEST_PASSWORD) is not None

    changed = marketer.post("/account/password", {"current_password": TEST_PASSWORD, "new_password": longest,
                                                  "confirm_password": longest})
    assert changed.status_code == 303
    assert client.login(users["marketer"].email, longest).status_code == 303  # and it can be used
