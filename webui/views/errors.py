"""Error pages in the layout, or JSON errors for requests under /api/."""
import logging

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from chapar.api.errors import api_error_response, is_api_request

from . import blueprint
from .render import render

log = logging.getLogger("chapar.webui")

# What a person should read for each status: a title and one helpful sentence.
MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Please sign in"), _l("This page needs you to sign in first.")),
    403: (_l("Not allowed"), _l("Your role does not allow this page. Ask an administrator if you need it.")),
    404: (_l("Page not found"), _l("There is nothing at this address. It may have moved, or the link may be mistyped.")),
    405: (_l("Not allowed here"), _l("This address does not accept that kind of request. Use the buttons on the page.")),
    413: (_l("Too large"), _l("What you sent is larger than this Chapar accepts. Try a smaller file.")),
    429: (_l("Too many attempts"), _l("Please wait a minute before trying again.")),
    500: (_l("Something went wrong"), _l("Chapar hit an unexpected error. It has been logged; please try again in a moment.")),
}
CSRF_MESSAGE = _l("This form has expired or was not sent from Chapar; reload the page and try again.")
LOGIN_LIMIT_MESSAGE = _l("Too many sign-in attempts from your address. Please wait a minute and try again.")


def _page(status, title, message, headers=None):
    try:
        body, status = render("webui/error.html", status=status, code=status, title=title, message=message)
    except Exception:  # the layout itself failed (a plugin, the database): still answer something
        log.exception("could not render the %s page", status)
        body = f"<!doctype html><title>{int(status)}</title><p>{escape(message)}</p>"
    return body, status, headers or {}


def _custom_description(error):
    """A message a view passed to abort(), as opposed to werkzeug's stock English text."""
    stock = getattr(type(error), "description", None)
    return error.description if error.description and error.description != stock else None


@blueprint.app_errorhandler(HTTPException)
def http_error(error):
    status = error.code or 500
    if is_api_request():
        return api_error_response(error)
    title, message = MESSAGES.get(status, (error.name, error.description))
    if isinstance(error, CSRFError):
        title, message = _("Form expired"), CSRF_MESSAGE
    elif status == 429:
        # Flask-Limiter's own description is the limit ("10 per 1 minute"), not a sentence.
        custom = None if isinstance(error, RateLimitExceeded) else _custom_description(error)
        message = custom or (LOGIN_LIMIT_MESSAGE if request.endpoint == "webui.login" else message)
    elif _custom_description(error):
        message = _custom_description(error)
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429 and getattr(error, "retry_after", None) is not None:
        headers["Retry-After"] = dict(error.get_headers())["Retry-After"]
    return _page(status, str(title), str(message), headers)


@blueprint.app_errorhandler(InternalServerError)
def server_error(error):
    title, message = MESSAGES[500]
    if is_api_request():
        return api_error_response(error)
    return _page(500, str(title), str(message))
