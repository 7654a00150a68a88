"""/fax/lines/<id>/<name>: where fax transports report outcomes and hand over received faxes.

Public, so hostile by default: the line's secret must come in the `secret` query parameter, an
`X-Chapar-Secret` header or `Authorization: Bearer`, compared in constant time; bodies over 25 MB
(a long received fax) are refused before they are read; each client address is rate-limited, and
wrong secrets much more tightly (CHAPAR_FAX_CALLBACK_RATE_LIMIT, CHAPAR_FAX_WRONG_SECRET_LIMIT). No
cookies and no CSRF token: a transport has neither. What to do with the call is the line's
transport's business (FaxTransport.callback).
"""
import hmac
import logging
import os

from chapar import cap_request_body, csrf_exempt, rate_limit
from flask import Blueprint, abort, request

from .inbound import ReceivedFaxError
from .lines import FaxLine
from .tiff import FaxImageError
from .transports.registry import transport_for

log = logging.getLogger(__name__)

MAX_BYTES = 25 * 1024 * 1024
UNUSABLE = "\0no secret"  # compared when there is nothing to compare with; never accepted
blueprint = Blueprint("chapar_fax_callbacks", __name__, url_prefix="/fax/lines")
csrf_exempt(blueprint)
cap_request_body(blueprint, MAX_BYTES)  # before the core parses a multipart body


def _limit():
    return os.environ.get("CHAPAR_FAX_CALLBACK_RATE_LIMIT", "6000 per minute")


def _wrong_secret_limit():
    return os.environ.get("CHAPAR_FAX_WRONG_SECRET_LIMIT", "30 per minute")


def given_secret():
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    return request.args.get("secret") or request.headers.get("X-Chapar-Secret") or bearer


@blueprint.route("/<int:line_id>/<name>", methods=["GET", "POST"])
@rate_limit(_limit)
@rate_limit(_wrong_secret_limit, deduct_when=lambda response: response.status_code == 403)
def callback(line_id, name):
    """Check the size and the secret, then let the line's transport answer."""
    line = FaxLine.get_or_none(FaxLine.id == line_id)
    # The same answer for an unknown line and a wrong secret: ids cannot be probed. A line
    # without a secret accepts nothing (an empty secret would match anyone).
    expected = (line.secret if line is not None else "") or UNUSABLE
    if not hmac.compare_digest(given_secret().encode(), expected.encode()) or expected is UNUSABLE:
        abort(403)
    try:
        transport = transport_for(line)
    except LookupError:
        log.error("fax line %s: its transport kind %r is not installed", line.name, line.kind)
        abort(503)
    if name not in transport.callbacks:
        abort(404)
    try:
        return transport.callback(name, request)
    except (ReceivedFaxError, FaxImageError) as exc:  # a received file we cannot keep: the sender's to fix
        log.warning("fax line %s: callback %s refused: %s", line.name, name, exc)
        return {"error": str(exc)}, 400
