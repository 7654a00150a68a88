"""One JSON shape for every error under /api/, whoever raises it.

    {"error": {"status": 404, "code": "not_found", "message": "...", "details": {...}}}

flask-smorest's error handler (see setup.ChaparApi), webargs' validation errors and the web UI's
HTML error handlers all end here, so a client never has to parse two shapes.
"""
import marshmallow as ma
import webargs.flaskparser
from flask import current_app, has_request_context, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

API_PATH = "/api"

# Codes that read better than the snake-cased HTTP reason phrase.
_CODES = {
    413: "payload_too_large",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
}
# An unexpected fault's text may name internals; clients get this instead.
_SERVER_ERROR_MESSAGE = "Internal server error. The administrator can find details in the server log."


def is_api_path(path):
    return path == API_PATH or path.startswith(API_PATH + "/")


def is_api_request():
    """True when the current request is for the JSON API (so errors must be JSON, not HTML)."""
    return is_api_path(request.path)


def error_code(status):
    """A stable machine-readable code for an HTTP status, e.g. 404 -> "not_found"."""
    if status in _CODES:
        return _CODES[status]
    phrase = HTTP_STATUS_CODES.get(status, "error")
    return phrase.lower().replace("'", "").replace("-", "_").replace(" ", "_")


def json_error(status, message, details=None, *, code=None, headers=None):
    """Build the API's error response. `details` (a dict) carries machine-readable specifics."""
    body = {"status": status, "code": code or error_code(status), "message": message}
    if details:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    if headers:
        response.headers.update(headers)
    # Headers HTTP requires with these statuses, whoever builds the error.
    if status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Chapar"'
    if status == 405 and "Allow" not in response.headers and has_request_context():
        allowed = current_app.url_map.bind_to_environ(request.environ).allowed_methods()
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


def abort(status, message=None, details=None, headers=None):
    """Stop the request with an API error; the error handler renders it with json_error."""
    webargs.flaskparser.abort(status, message=message, details=details, headers=headers)


def api_error_response(error):
    """Render a werkzeug HTTPException (including webargs' 422 and Flask's 500) as json_error.

    The web UI's error handlers call this for paths under /api/.
    """
    if error.response is not None:  # abort(Response): the caller built the response already
        return error.response
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    headers.update(data.get("headers") or {})
    details = data.get("details")
    message = data.get("message")
    # webargs puts validation errors in "messages" ({location: {field: [msg]}}); smorest's
    # own abort convention is "errors".
    validation = data.get("errors") or data.get("messages")
    if validation:
        summary, details = _validation_details(validation)
        message = message or summary
    if status == 500:
        message = _SERVER_ERROR_MESSAGE
    return json_error(status, message or _describe(error), details, headers=headers)


def _describe(error):
    """The exception's own description, unless it is werkzeug's browser-oriented default."""
    if error.description and error.description != type(error).description:
        return error.description
    if error.code == 404:
        return f"Nothing at {request.path}; GET {API_PATH}/v1/openapi.json lists the API's routes."
    if error.code == 405:
        return f"{request.method} is not allowed on {request.path}; see the Allow header."
    return type(error).description or HTTP_STATUS_CODES.get(error.code, "Error")


def _validation_details(messages):
    """({location: {field: [msg]}}) -> a one-line summary and {"location", "fields"} details."""
    if isinstance(messages, dict) and len(messages) == 1:
        location, fields = next(iter(messages.items()))
        if isinstance(fields, dict):
            parts = [f"{name}: {_first(problem)}" for name, problem in fields.items()]
            return "Invalid input. " + "; ".join(parts), {"location": location, "fields": fields}
        if isinstance(fields, list):  # e.g. {"json": ["Invalid JSON body."]}
            return " ".join(str(item) for item in fields), {"location": location}
    return "Invalid input.", {"fields": messages}


def _first(problem):
    if isinstance(problem, list) and problem:
        return _first(problem[0])
    if isinstance(problem, dict):
        return "invalid"
    return str(problem)


def handle_exception(error):
    """Flask error handler for HTTPException: JSON under /api/, the default response elsewhere."""
    if error.code is None or error.code < 400 or not is_api_request():
        return error
    return api_error_response(error)


class ErrorBodySchema(ma.Schema):
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    code = ma.fields.String(required=True, metadata={"description": "Machine-readable, e.g. not_found"})
    message = ma.fields.String(required=True, metadata={"description": "For humans; may change"})
    details = ma.fields.Dict(metadata={"description": "Specifics, e.g. {location, fields} for 422"})


class ErrorSchema(ma.Schema):
    """The error envelope every /api/ error uses (documents the responses in OpenAPI)."""

    error = ma.fields.Nested(ErrorBodySchema, required=True)
