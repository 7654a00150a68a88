"""Building the API on an app: the flask-smorest Api, authentication, errors and core resources.

Resources are flask-smorest Blueprints mounted under /api/v1 with register_api_blueprint(), which
also documents them in /api/v1/openapi.json and exempts them from CSRF (they take no cookies).
"""
import flask_smorest
from flask import request
from werkzeug.exceptions import HTTPException

from ..security import csrf
from .auth import CookielessApiSessions, authenticate_request, forget_request_state
from .errors import ErrorSchema, handle_exception

API_PREFIX = "/api/v1"
OPENAPI_ENDPOINT = "api-docs.openapi_json"
SECURITY_SCHEME = "bearerAuth"
EXTENSION_KEY = "chapar.api"

_DESCRIPTION = (
    "Chapar's REST API. Authenticate with an API token: `Authorization: Bearer chp_...`. "
    "Errors are `{\"error\": {status, code, message, details}}`; lists take `page` and `per_page` "
    "and answer `{items, page, per_page, total, pages}` with RFC 8288 Link headers."
)


class ChaparApi(flask_smorest.Api):
    """flask-smorest's Api with Chapar's error envelope, documented and rendered."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        # smorest registers this for every HTTPException app-wide: keep HTML pages untouched
        # and give /api/ the same JSON shape as json_error().
        return handle_exception(error)

    def _register_pagination_header(self):
        # Chapar pages with an envelope and Link headers (see pagination.py), not smorest's
        # X-Pagination header: keep its schema out of the document.
        pass


def init_api(app):
    """Create the Api for `app`, require tokens under /api/v1 and mount the core resources."""
    from chapar import __version__  # late: chapar/__init__ is still importing when this module loads

    app.config.update(OPENAPI_URL_PREFIX=API_PREFIX, OPENAPI_JSON_PATH="openapi.json")
    api = ChaparApi(app, spec_kwargs={
        "title": "Chapar",
        "version": __version__,
        "openapi_version": "3.1.0",
        "info": {"description": _DESCRIPTION},
        "security": [{SECURITY_SCHEME: []}],
    })
    api.spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer", "bearerFormat": "chp_ token",
        "description": "An API token created in the web UI, with `chapar token create` or POST /api/v1/tokens.",
    })
    app.extensions[EXTENSION_KEY] = api

    public = {OPENAPI_ENDPOINT}

    @app.before_request
    def _authenticate_api():
        if request.path.startswith(API_PREFIX + "/"):
            authenticate_request(public)

    app.teardown_request(forget_request_state)
    app.session_interface = CookielessApiSessions(app.session_interface)

    from .campaigns import blp as campaigns_blueprint
    from .channels import blp as channels_blueprint
    from .consent import blp as consent_blueprint
    from .contacts import blp as contacts_blueprint
    from .contacts_bulk import blp as contacts_bulk_blueprint
    from .content import blp as content_blueprint
    from .custom_fields import blp as custom_fields_blueprint
    from .me import blp as me_blueprint
    from .messages import blp as messages_blueprint
    from .program_actions import blp as program_actions_blueprint
    from .programs import blp as programs_blueprint
    from .segments import blp as segments_blueprint
    from .tags import blp as tags_blueprint
    from .tokens import blp as tokens_blueprint

    for blueprint in (me_blueprint, tokens_blueprint, contacts_blueprint, consent_blueprint, tags_blueprint,
                      custom_fields_blueprint, segments_blueprint, contacts_bulk_blueprint, campaigns_blueprint,
                      programs_blueprint, program_actions_blueprint, messages_blueprint, channels_blueprint,
                      content_blueprint):
        register_api_blueprint(app, blueprint)
    return api


def register_api_blueprint(app, blueprint, **options):
    """Mount a flask-smorest Blueprint under /api/v1 (its url_prefix is appended), document it in
    the OpenAPI document and exempt it from CSRF. `options` go to Flask's register_blueprint."""
    if not isinstance(blueprint, flask_smorest.Blueprint):
        raise TypeError(f"API resources must be flask_smorest.Blueprint instances, not {type(blueprint).__name__}"
                        " (a plain Flask blueprint would be missing from /api/v1/openapi.json)")
    options["url_prefix"] = API_PREFIX + (options.get("url_prefix", blueprint.url_prefix) or "")
    csrf.exempt(blueprint)  # Bearer tokens only, never cookies: nothing for CSRF to protect
    # A blueprint's own handler outranks any app-wide one (the web UI's HTML pages register
    # theirs later), so errors raised in a resource keep their details and headers. Blueprints
    # are module-level and refuse setup calls once registered: add it the first time only.
    if HTTPException not in blueprint.error_handler_spec[None][None]:
        blueprint.register_error_handler(HTTPException, handle_exception)
    app.extensions[EXTENSION_KEY].register_blueprint(blueprint, **options)


def mount_blueprint(app, blueprint):
    """Mount a blueprint returned by the register_blueprints hook: flask-smorest Blueprints
    become API resources, any other blueprint is registered as it is."""
    if isinstance(blueprint, flask_smorest.Blueprint):
        register_api_blueprint(app, blueprint)
    else:
        app.register_blueprint(blueprint)
