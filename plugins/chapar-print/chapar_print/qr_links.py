"""Tracked QR codes: a letter's QR code holds <public URL>/print/q/<message id>.<MAC> instead of the
composer's link, and a scan (qr_views.py) records "clicked" for that letter, then redirects to it.

The link a letter leads to is stored beside the letter when it is written
(<program folder>/qr-links/<message id>.txt), so the code stays short (a smaller, more readable
QR code on paper) and the redirect goes only where that letter's own link went: the MAC binds the
message id to this instance's SECRET_KEY, and the target is never taken from the request.

Without a public address (the channel's "Public address" setting, else CHAPAR_PUBLIC_URL) a QR
code holds the composer's link itself and scans are not counted.
"""
import base64
import hashlib
import hmac
import os
import re
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from .store import program_folder, write_atomically

MAC_BYTES = 12  # 96 bits: unguessable, and the scan endpoint is rate-limited too
TOKEN = re.compile(r"^([1-9][0-9]{0,18})\.([A-Za-z0-9_-]{16})$")


def public_url(settings):
    """Where people reach this Chapar ("" when unknown): the channel setting, else CHAPAR_PUBLIC_URL."""
    if not has_app_context():
        return ""
    base = ((settings or {}).get("public_url") or current_app.config.get("CHAPAR_PUBLIC_URL")
            or os.environ.get("CHAPAR_PUBLIC_URL") or "")
    return base.strip().rstrip("/")


def _mac(message_id):
    secret = current_app.config["SECRET_KEY"]
    key = hmac.new(secret.encode() if isinstance(secret, str) else secret, b"chapar-print qr v1", hashlib.sha256).digest()
    digest = hmac.digest(key, str(int(message_id)).encode(), "sha256")[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode()


def tracked_qr_url(message_id, target, settings):
    """What the letter's QR code holds: the tracked link to `target`, or `target` itself for the
    composer's test letter (message id 0) or when no public address is known."""
    base = public_url(settings)
    if not message_id or not base or not is_web_url(target):
        return target
    return f"{base}/print/q/{int(message_id)}.{_mac(message_id)}"


def message_of(token):
    """The message id a scanned token names, or None when it is malformed or not signed by us."""
    match = TOKEN.match(token or "")
    if not match or not hmac.compare_digest(match.group(2), _mac(match.group(1))):
        return None
    return int(match.group(1))


def is_web_url(url):
    parts = urlsplit((url or "").strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _link_path(program_id, message_id):
    return program_folder(program_id) / "qr-links" / f"{int(message_id)}.txt"


def save_target(program_id, message_id, target):
    """Remember where message `message_id`'s QR code leads (written with its letter)."""
    write_atomically(_link_path(program_id, message_id), lambda handle: handle.write(target.strip().encode()))


def target_of(program_id, message_id):
    """The link stored for the letter, or None (no QR code, or not a web link)."""
    path = _link_path(program_id, message_id)
    try:
        target = path.read_text()[:2000]
    except OSError:
        return None
    return target if is_web_url(target) else None
