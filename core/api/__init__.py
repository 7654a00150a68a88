"""The REST API under /api/v1: these names are what resources (core or plugin) build on.

See docs/api.md for the conventions (authentication, errors, pagination) and how to add a resource.
"""
from .auth import check_role
from .errors import abort, api_error_response, is_api_request, json_error
from .pagination import MAX_PER_PAGE, PAGE_HEADERS, PageArgsSchema, page_of, paginate
from .schemas import UTCDateTime
from .setup import API_PREFIX, mount_blueprint, register_api_blueprint

api_abort = abort  # the name chapar exports, beside Flask's own abort

__all__ = [
    "API_PREFIX", "MAX_PER_PAGE", "PAGE_HEADERS", "PageArgsSchema", "UTCDateTime", "abort", "api_abort", "api_error_response",
    "check_role", "init_app", "is_api_request", "json_error", "mount_blueprint", "page_of", "paginate",
    "register_api_blueprint",
]


def init_app(app):
    from .setup import init_api

    init_api(app)
