"""POST /email/webhook/bounces: bounces and complaints posted by a sending provider.

For providers (or a relay's hook script) that report bounces over HTTP instead of mail. The
body is JSON, one report or a list of up to 100:

    {"message_id": 123 | "chapar-123" | "<chapar-123@example.com>",   (or)  "email": "a@b.example",
     "type": "hard" | "soft" | "complaint", "reason": "550 5.1.1 user unknown"}

The shared secret (CHAPAR_EMAIL_WEBHOOK_SECRET) comes in `Authorization: Bearer <secret>` or
`X-Chapar-Webhook-Secret`, compared in constant time; with no secret configured the endpoint
refuses everything; a client address that sends 20 wrong secrets in a minute (100 in an hour) gets
429 for the rest of that window. No cookies and no CSRF token: a provider has neither. Bodies over
64 KB are refused with 413 before they are read. A report for a message we do not know is logged and
answered `ignored` with 200, so the provider does not retry it for days.
"""
import hmac
import json
import logging
import os
import re

from flask import Blueprint, abort, jsonify, request

from chapar import cap_request_body, csrf_exempt, db, rate_limit

from . import core_access, handling, verp

log = logging.getLogger("chapar_email.webhook")

MAX_BYTES = 64 * 1024
MAX_REPORTS = 100
TYPES = ("hard", "soft", "complaint")
# Wrong secrets per client address; only refusals count, so a provider's volume is never limited.
FAILED_SECRET_LIMIT = "20 per minute; 100 per hour"
_OUR_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits a database id can hold (str.isdigit takes "²", "١")

blueprint = Blueprint("chapar_email_webhook", __name__, url_prefix="/email/webhook")
csrf_exempt(blueprint)
rate_limit(FAILED_SECRET_LIMIT, deduct_when=lambda response: response.status_code == 403)(blueprint)
# Capped before the core's request guard parses the JSON, so an unauthenticated body stays small.
cap_request_body(blueprint, MAX_BYTES)


def _secret_ok():
    expected = os.environ.get("CHAPAR_EMAIL_WEBHOOK_SECRET", "")
    given = request.headers.get("X-Chapar-Webhook-Secret", "")
    auth = request.headers.get("Authorization", "")
    if not given and auth[:7].lower() == "bearer ":
        given = auth[7:].strip()
    # An unset secret never matches, not even an empty header.
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _body():
    if request.content_length is not None and request.content_length > MAX_BYTES:
        abort(413)
    # The core's request guard may already have read (and cached) a JSON body, so read through
    # get_data; a chunked body, without Content-Length, is checked once read.
    data = request.get_data(cache=True)
    if len(data) > MAX_BYTES:
        abort(413)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: [[[[…]]]] nested too deep
        abort(400)


@blueprint.route("/bounces", methods=["POST"])
def bounces():
    if not _secret_ok():
        abort(403)
    payload = _body()
    reports = payload if isinstance(payload, list) else [payload]
    if not reports or len(reports) > MAX_REPORTS or not all(isinstance(r, dict) for r in reports):
        return jsonify(error=f"send one report object or a list of 1 to {MAX_REPORTS}"), 400
    results = []
    for report in reports:
        kind = str(report.get("type", "")).lower()
        if kind not in TYPES:
            results.append({"status": "invalid", "error": f"type must be one of {', '.join(TYPES)}"})
            continue
        message = _find(report)
        if message is None:
            log.warning("bounce webhook: no message for %r; ignored",
                        {k: report.get(k) for k in ("message_id", "email", "type")})
            results.append({"status": "ignored", "error": "unknown message"})
            continue
        reason = str(report.get("reason") or kind)[:500]
        with db.atomic():
            if kind == "complaint":
                outcome = handling.apply_complaint(message, "abuse", source="webhook")
            else:
                outcome = handling.apply_bounce(message, kind == "hard", reason, status=_status(reason),
                                                source="webhook")
        results.append({"status": outcome.kind, "message_id": message["id"]})
    return jsonify(results=results)


def _find(report):
    """The message a report names: by our id (bare, chapar-<id> or a Message-ID), else the latest
    message sent to the address."""
    raw = str(report.get("message_id") or "").strip()
    number = None
    if _OUR_ID.fullmatch(raw):
        number = int(raw)
    elif raw:
        text = raw if "@" in raw else f"<{raw}@x>"
        found = verp.signed_message_ids(text) or verp.header_message_ids(text)
        number = found[0] if found else None
    if number is not None:
        return core_access.message_summary(number)
    address = str(report.get("email") or "").strip().lower()
    if "@" in address:
        return core_access.latest_message_to(address)
    return None


def _status(reason):
    match = re.search(r"\b[245]\.\d{1,3}\.\d{1,3}\b", reason)
    return match.group(0) if match else ""
