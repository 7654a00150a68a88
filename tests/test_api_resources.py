"""A plugin's resource, mounted the way docs/api.md tells plugin authors to: returned as a
flask-smorest Blueprint from register_blueprints. Also where 429 and 500 are provoked."""
import marshmallow as ma
import pytest
from flask import Blueprint as FlaskBlueprint
from flask_login import current_user
from flask_smorest import Blueprint
from test_api_openapi import assert_documents_every_api_route

from chapar import hookimpl, require_role
from chapar.api import PAGE_HEADERS, PageArgsSchema, abort, page_of, paginate, register_api_blueprint
from chapar.models import AuditLog
from chapar.plugins import register_plugin, unregister_plugin
from chapar.security import limiter
from chapar.tokens import create_token

blp = Blueprint("probe", __name__, url_prefix="/probe", description="A plugin's resource")


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()


@blp.route("/audit")
@require_role("manager")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(AuditEntrySchema), headers=PAGE_HEADERS)
def audit_entries(args):
    """Audit entries, oldest first"""
    return paginate(AuditLog.select().order_by(AuditLog.id), args)


@blp.route("/conflict", methods=["POST"])
@require_role("viewer")
@blp.response(201)
def conflict():
    abort(409, "That already exists.", details={"id": 7})


@blp.route("/whoami")
@require_role("viewer")
@blp.response(200)
def whoami():
    return {"email": current_user.email}


@blp.route("/boom")
@require_role("viewer")
@blp.response(200)
def boom():
    raise RuntimeError("internals: password=hunter2")


@blp.route("/limited")
@limiter.limit("2 per minute")
@require_role("viewer")
@blp.response(200)
def limited():
    return {"ok": True}


class ProbePlugin:
    @hookimpl
    def register_blueprints(self, app):
        return [blp]


@pytest.fixture(autouse=True)
def probe_plugin():
    """Registered before the app is built (autouse fixtures come first)."""
    name = register_plugin(ProbePlugin(), name="api-probe")
    yield
    unregister_plugin(name)


@pytest.mark.hook("register_blueprints")
def test_a_plugin_resource_is_mounted_documented_and_protected(app, users, api_as):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "/api/v1/probe/audit" in spec["paths"]
    assert_documents_every_api_route(app, spec)
    assert app.test_client().get("/api/v1/probe/audit").status_code == 401
    assert api_as("viewer").get("/api/v1/probe/audit").status_code == 403
    for number in range(3):
        AuditLog.create(action=f"probe.{number}")
    response = api_as("manager").get("/api/v1/probe/audit?per_page=2&page=2")
    assert response.status_code == 200
    assert response.get_json() == {"items": [{"id": response.get_json()["items"][0]["id"], "action": "probe.2"}],
                                   "page": 2, "per_page": 2, "total": 3, "pages": 2}
    assert 'rel="prev"' in response.headers["Link"]


def test_current_user_is_the_tokens_user_even_with_a_session(app, users, client_as):
    browser = client_as("admin")
    _token, secret = create_token(users["viewer"], "mine")
    response = browser.raw.get("/api/v1/probe/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert response.get_json() == {"email": users["viewer"].email}


def test_abort_carries_details(app, users, api_as):
    response = api_as("viewer").post("/api/v1/probe/conflict")
    assert response.status_code == 409
    assert response.get_json() == {"error": {"status": 409, "code": "conflict", "message": "That already exists.",
                                             "details": {"id": 7}}}


def test_500_is_json_and_leaks_nothing(app, users, api_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # TESTING would re-raise instead of answering
    response = api_as("viewer").get("/api/v1/probe/boom")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "internal_error"
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "RuntimeError" not in text and "Traceback" not in text


def test_429_is_json(app, users, api_as):
    client = api_as("viewer")
    assert [client.get("/api/v1/probe/limited").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/probe/limited")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in response.headers


def test_plain_flask_blueprints_are_refused(app):
    with pytest.raises(TypeError, match="flask_smorest.Blueprint"):
        register_api_blueprint(app, FlaskBlueprint("plain", __name__))
