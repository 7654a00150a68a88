"""/api/v1/tokens: list, create and revoke over the API; secrets shown once, hashes never."""
import json

from chapar.models import ApiToken, AuditLog
from chapar.tokens import create_token


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_create_use_revoke_then_401(app, users, api_as):
    manager = api_as("manager")
    created = manager.post("/api/v1/tokens", json={"name": "deploy script", "role": "marketer"})
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    body = created.get_json()
    assert body["name"] == "deploy script" and body["role"] == "marketer" and body["active"] is True
    assert body["secret"].startswith("chp_") and body["secret"].startswith(body["prefix"])
    assert body["created_at"].endswith("+00:00")

    client = app.test_client()
    me = client.get("/api/v1/me", headers=bearer(body["secret"]))
    assert me.status_code == 200 and me.get_json()["role"] == "marketer"

    assert client.delete(f"/api/v1/tokens/{body['id']}", headers=bearer(body["secret"])).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(body["secret"])).status_code == 401
    entry = AuditLog.select().where(AuditLog.action == "token.revoked").get()
    assert entry.actor_id == users["manager"].id and json.loads(entry.details)["via"] == "api"
    assert AuditLog.select().where(AuditLog.action == "token.created").count() == 1


def test_the_role_defaults_to_the_calling_tokens(app, users, api_as):
    assert api_as("manager").post("/api/v1/tokens", json={"name": "x"}).get_json()["role"] == "manager"


def test_a_token_cannot_create_a_stronger_one(app, users):
    _token, secret = create_token(users["admin"], "weak", role="manager")
    response = app.test_client().post("/api/v1/tokens", json={"name": "escalate", "role": "admin"},
                                      headers=bearer(secret))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert ApiToken.select().where(ApiToken.name == "escalate").count() == 0


def test_hashes_are_never_returned(app, users, api_as):
    client = api_as("admin")
    created = client.post("/api/v1/tokens", json={"name": "listed"})
    listing = client.get("/api/v1/tokens?all=1")
    for response in (created, listing):
        text = response.get_data(as_text=True)
        assert "token_hash" not in text
        for token in ApiToken.select():
            assert token.token_hash not in text
    assert all("secret" not in item for item in listing.get_json()["items"])


def test_list_shows_only_the_callers_tokens(app, users, api_as):
    create_token(users["admin"], "someone else's")
    client = api_as("viewer")
    create_token(users["viewer"], "second")
    body = client.get("/api/v1/tokens").get_json()
    assert [item["name"] for item in body["items"]] == ["second", "test viewer"]  # newest first
    assert {item["user_email"] for item in body["items"]} == {users["viewer"].email}


def test_listing_every_users_tokens_is_admin_only(app, users, api_as):
    create_token(users["marketer"], "marketer's")
    viewer = api_as("viewer").get("/api/v1/tokens?all=1")
    assert viewer.status_code == 403
    error = viewer.get_json()["error"]
    assert error["code"] == "forbidden" and "admin" in error["message"]
    admin = api_as("admin").get("/api/v1/tokens?all=1")
    assert admin.status_code == 200
    assert {"marketer's", "test viewer", "test admin"} <= {item["name"] for item in admin.get_json()["items"]}


def test_revoking_someone_elses_token(app, users, api_as):
    other, other_secret = create_token(users["marketer"], "not yours")
    assert api_as("manager").delete(f"/api/v1/tokens/{other.id}").status_code == 404  # hides that it exists
    assert api_as("manager").delete("/api/v1/tokens/999999").status_code == 404
    assert app.test_client().get("/api/v1/me", headers=bearer(other_secret)).status_code == 200

    admin = api_as("admin")
    assert admin.delete(f"/api/v1/tokens/{other.id}").status_code == 204
    assert admin.delete(f"/api/v1/tokens/{other.id}").status_code == 204  # idempotent
    assert ApiToken.get_by_id(other.id).revoked_at is not None
    entries = list(AuditLog.select().where(AuditLog.action == "token.revoked"))
    assert len(entries) == 1 and json.loads(entries[0].details)["owner"] == users["marketer"].email
    assert app.test_client().get("/api/v1/me", headers=bearer(other_secret)).status_code == 401


def test_422_with_field_details(app, users, api_as):
    client = api_as("manager")
    missing = client.post("/api/v1/tokens", json={})
    assert missing.status_code == 422
    error = missing.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["details"]["location"] == "json"
    assert "name" in error["details"]["fields"] and "name" in error["message"]

    bad = client.post("/api/v1/tokens", json={"name": "   ", "role": "emperor", "colour": "red"}).get_json()
    fields = bad["error"]["details"]["fields"]
    assert set(fields) == {"name", "role", "colour"}
    assert ApiToken.select().count() == 1  # only api_as's own
