"""/api/v1/openapi.json: a valid OpenAPI 3 document that lists every /api/v1 route of the app."""
import re

import pytest
from flask import Blueprint
from openapi_spec_validator import validate

import chapar

OPENAPI_ENDPOINT = "api-docs.openapi_json"


def openapi_path(rule):
    """Werkzeug's /tokens/<int:token_id> -> OpenAPI's /tokens/{token_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def assert_documents_every_api_route(app, spec):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == OPENAPI_ENDPOINT:
            continue
        operations = spec["paths"].get(openapi_path(rule.rule), {})
        missing += [f"{method} {rule.rule}" for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
                    if method.lower() not in operations]
    assert not missing, f"routes missing from openapi.json (mount them with register_api_blueprint): {missing}"


def test_the_document_is_valid_openapi_3(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert (spec["info"]["title"], spec["info"]["version"]) == ("Chapar", chapar.__version__)


def test_every_api_route_is_documented(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/me", "/api/v1/tokens", "/api/v1/tokens/{token_id}"} <= set(spec["paths"])
    assert_documents_every_api_route(app, spec)


def test_the_route_check_catches_an_undocumented_route(app):
    plain = Blueprint("plain_api", __name__)
    plain.add_url_rule("/api/v1/plain/<int:item_id>", "item", lambda item_id: "", methods=["PUT"])
    app.register_blueprint(plain)
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    with pytest.raises(AssertionError, match=r"PUT /api/v1/plain/<int:item_id>"):
        assert_documents_every_api_route(app, spec)


def test_bearer_auth_is_declared_and_required(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert spec["security"] == [{"bearerAuth": []}]


def test_errors_are_documented_with_the_envelope(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    default_error = {"$ref": "#/components/responses/DEFAULT_ERROR"}
    assert spec["paths"]["/api/v1/me"]["get"]["responses"]["default"] == default_error
    assert spec["components"]["schemas"]["Error"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "PaginationMetadata" not in spec["components"]["schemas"]  # smorest's header style is not ours
    assert "Link" in spec["paths"]["/api/v1/tokens"]["get"]["responses"]["200"]["headers"]
