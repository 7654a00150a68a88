"""/sms/gateways/<id>/<name>: where gateways report deliveries and hand over received messages.

Public, so hostile by default: the gateway's secret must come in the `secret` query parameter
(Kannel can only call URLs, so it cannot sign), an `X-Chapar-Secret` header or `Authorization:
Bearer`, compared in constant time; bodies over 64 KB are refused before they are read; each
client address is rate-limited (CHAPAR_SMS_CALLBACK_RATE_LIMIT). No cookies and no CSRF token: a
gateway has neither. What to do with the call is the gateway's provider's business
(SmsProvider.callback).
"""
import hmac
import logging
import os

from chapar import cap_request_body, csrf_exempt, rate_limit
from flask import Blueprint, abort, request

from .gateways import SmsGateway
from .providers.registry import provider_for

log = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024
UNUSABLE = "\0no secret"  # compared when there is nothing to compare with; never accepted
blueprint = Blueprint("chapar_sms_callbacks", __name__, url_prefix="/sms/gateways")
csrf_exempt(blueprint)
cap_request_body(blueprint, MAX_BYTES)  # before the core parses the body


def _limit():
    return os.environ.get("CHAPAR_SMS_CALLBACK_RATE_LIMIT", "6000 per minute")


def given_secret():
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    return request.args.get("secret") or request.headers.get("X-Chapar-Secret") or bearer


@blueprint.route("/<int:gateway_id>/<name>", methods=["GET", "POST"])
@rate_limit(_limit)
def callback(gateway_id, name):
    """Check the secret and the size, then let the gateway's provider answer."""
    gateway = SmsGateway.get_or_none(SmsGateway.id == gateway_id)
    # The same answer, after the same work, for an unknown gateway and a wrong secret: ids cannot
    # be probed. A gateway without a secret accepts nothing (an empty secret would match anyone).
    expected = (gateway.secret if gateway is not None else "") or UNUSABLE
    if not hmac.compare_digest(given_secret().encode(), expected.encode()) or expected is UNUSABLE:
        abort(403)
    try:
        provider = provider_for(gateway)
    except LookupError:
        log.error("SMS gateway %s: its provider kind %r is not installed", gateway.name, gateway.kind)
        abort(503)
    if name not in provider.callbacks:
        abort(404)
    return provider.callback(name, request)
