"""One JSON error shape under /api/, whoever raises it; HTML pages are left alone."""
from chapar.api import json_error


def assert_error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_json_404_on_unknown_api_paths(app, users, api_as):
    for path in ("/api/v1/no-such-thing", "/api/v2/me", "/api/"):
        assert_error(api_as("admin").get(path), 404, "not_found")
    assert_error(app.test_client().get("/api/v1/nowhere"), 404, "not_found")  # 404 before 401


def test_pages_outside_the_api_are_not_json(app):
    assert app.test_client().get("/definitely-not-a-page").mimetype != "application/json"


def test_405_names_the_allowed_methods(app, users, api_as):
    response = api_as("viewer").delete("/api/v1/me")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_400_on_a_body_that_is_not_json(app, users, api_as):
    response = api_as("manager").post("/api/v1/tokens", data="{not json", content_type="application/json")
    error = assert_error(response, 400, "bad_request")
    assert "JSON" in error["message"]


def test_413_when_the_body_is_too_large(app, users, api_as):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = api_as("viewer").post("/api/v1/tokens", json={"name": "x" * 5000})
    assert_error(response, 413, "payload_too_large")


def test_422_on_bad_query_values(app, users, api_as):
    error = assert_error(api_as("viewer").get("/api/v1/tokens?page=abc"), 422, "validation_failed")
    assert error["details"] == {"location": "query", "fields": {"page": ["Not a valid integer."]}}


def test_json_error_builds_the_shared_shape(app):
    with app.test_request_context("/api/v1/anything"):
        response = json_error(409, "Already there", {"id": 3})
        assert response.status_code == 409
        assert response.get_json() == {"error": {"status": 409, "code": "conflict", "message": "Already there",
                                                 "details": {"id": 3}}}
        unauthorized = json_error(401, "Who are you?")
        assert unauthorized.headers["WWW-Authenticate"].startswith("Bearer")


def test_json_error_adds_the_headers_http_requires(app):
    with app.test_request_context("/api/v1/me", method="DELETE"):
        assert "GET" in json_error(405, "No.").headers["Allow"]
