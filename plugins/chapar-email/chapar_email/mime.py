"""Building one email, fast: layout, inlined CSS, text part, headers, attachments, DKIM.

Measured on a 1.5 KB personalised HTML email (bench/email_send.py prints all three): the modern
EmailMessage API costs about 3x the compat32 classes, and compat32's generator still spends most
of its time folding headers we already know are short. So the worker writes the MIME tree itself
(serialise below): two or three base64 parts under fixed headers, RFC 2047 encoded words from
email.header for non-ASCII Subject and display names, IDN domains in punycode
(identities.ascii_address). tests/test_email_mime.py parses the result back with the standard
library's strict parser and checks it against RFC 5322, 2045-2047, 2369 and 8058.
"""
import base64
import functools
import secrets
import threading
from email.header import Header
from email.utils import formataddr, formatdate
from pathlib import Path

import css_inline
from flask import current_app, has_app_context
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import verp
from .identities import ascii_address
from .text import html_to_text

MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024  # most providers refuse more than 10-25 MB once encoded
RTL_LANGUAGES = {"fa", "ar", "he", "ur", "ps", "ckb"}
# Signed with DKIM when present; List-Unsubscribe(-Post) must be among them (RFC 8058 §4).
DKIM_HEADERS = (b"From", b"To", b"Subject", b"Date", b"Message-ID", b"Reply-To", b"MIME-Version",
                b"Content-Type", b"List-Unsubscribe", b"List-Unsubscribe-Post")
UNSUBSCRIBE_LABEL = {"fa": "لغو اشتراک", "": "Unsubscribe"}
CRLF = "\r\n"
_inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


class MessageTooLarge(ValueError):
    """The attachments exceed MAX_ATTACHMENTS_BYTES: a permanent failure of that message."""


@functools.lru_cache(maxsize=1)
def _layout():
    folder = Path(__file__).parent / "templates" / "chapar_email"
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(["html"]))
    return env.get_template("layout.html")


def lay_out(html, language="", subject="", preheader="", unsubscribe=""):
    """A whole HTML document: the body inside the default layout (unless it is a document
    already), right-to-left for Persian and the like, with the CSS inlined."""
    if not html.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        lang = (language or "").split("-")[0].lower()
        rtl = lang in RTL_LANGUAGES
        html = _layout().render(
            body=Markup(html), lang=lang or "en", dir="rtl" if rtl else "ltr", align="right" if rtl else "left",
            font="Tahoma, Vazirmatn, Arial, sans-serif" if rtl else "-apple-system, Segoe UI, Arial, sans-serif",
            subject=subject, preheader=preheader,
            # The footer link only when the author did not place {{ links.unsubscribe }} themselves.
            unsubscribe=unsubscribe if unsubscribe and unsubscribe not in html else "",
            unsubscribe_label=UNSUBSCRIBE_LABEL.get(lang, UNSUBSCRIBE_LABEL[""]))
    return _inliner.inline(html)


def message_id(message, domain):
    """<chapar-{id}.{mac}@{from domain}>: replies and bounces quote it, so they find the message,
    and the MAC (verp.message_id_local) keeps anyone from naming a message by guessing its id.

    The MAC needs the app's secret key; send.py's SMTP thread, which has no app context, asks
    for the Message-ID (its provider id) of an email built moments before and gets it from
    _recent_locals. Raises RuntimeError for a message never built in this process."""
    if has_app_context():
        local = verp.message_id_local(message.id)  # once per message: the build asks, the SMTP thread reads
        with _recent_lock:
            _recent_locals[message.id] = local
            while len(_recent_locals) > _RECENT:
                del _recent_locals[next(iter(_recent_locals))]  # the oldest
    else:
        local = _recent_locals.get(message.id)
        if local is None:
            raise RuntimeError(f"message {message.id}: its Message-ID is signed in an app context")
    return f"<{local}@{domain}>"


_RECENT = 1024  # a few batches; building threads add, the SMTP thread only reads
_recent_locals = {}
_recent_lock = threading.Lock()


def encoded(value):
    """A header value: ASCII as is (folded when long), anything else as RFC 2047 UTF-8 words."""
    if value.isascii() and len(value) < 900:
        return value if len(value) < 70 else Header(value, "us-ascii").encode(linesep=CRLF)
    return Header(value, "utf-8").encode(linesep=CRLF)


def mailbox(name, address):
    """`Name <address>` with the name encoded when needed, folded before the address when long."""
    if not name:
        return address
    value = formataddr((name, address), charset="utf-8")
    return value if len(value) < 70 else value.replace(" <", f"{CRLF} <", 1)


def _b64(data):
    # encodebytes cuts 76-character lines in C-sized steps (57 bytes each); only the line ends
    # change, to the CRLF SMTP wants.
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _part(content_type, body, extra=""):
    return (f"Content-Type: {content_type}{CRLF}Content-Transfer-Encoding: base64{CRLF}{extra}{CRLF}").encode() \
        + _b64(body)


def _multipart(subtype, parts, boundary):
    """A multipart body; base64 never contains "=_", so the boundary cannot occur in a part."""
    opening = f"--{boundary}{CRLF}".encode()
    body = b"".join(opening + part + b"\r\n" for part in parts) + f"--{boundary}--{CRLF}".encode()
    return f'multipart/{subtype};{CRLF} boundary="{boundary}"', body


def _attachment(item, total):
    data = item["data"] if "data" in item else Path(item["path"]).read_bytes()
    if total + len(data) > MAX_ATTACHMENTS_BYTES:
        raise MessageTooLarge(f"attachments over {MAX_ATTACHMENTS_BYTES // (1024 * 1024)} MB")
    name = item["filename"]
    # RFC 2231 for non-ASCII file names; the quoted name= for old clients.
    disposition = (f'attachment; filename="{name}"' if name.isascii() and '"' not in name
                   else "attachment; filename*=utf-8''" + "".join(
                       c if c.isascii() and c.isalnum() or c in "._-" else "".join(f"%{b:02X}" for b in c.encode())
                       for c in name))
    content_type = item.get("content_type") or "application/octet-stream"
    return _part(content_type, data, f"Content-Disposition: {disposition}{CRLF}"), len(data)


def build(message, identity, unsubscribe_page="", one_click_url="", unsubscribe_mailto="", return_path="",
          dkim_key=None, rewrite=None):
    """(envelope sender, recipient, bytes with CRLF line ends) for an OutgoingMessage sent as
    `identity`. Raises MessageTooLarge or ValueError (a bad address): permanent for that message.

    `unsubscribe_page` goes in the layout's footer; `one_click_url` (RFC 8058 POST) and
    `unsubscribe_mailto` in List-Unsubscribe. `rewrite(html)` returns the HTML to send (click
    tracking and the open pixel); the text part keeps the plain links."""
    content = message.content
    sender = ascii_address(identity.from_address)
    recipient = ascii_address(message.address)
    domain = sender.rpartition("@")[2]
    subject = content.get("subject") or ""
    body = content.get("html") or ""
    html = lay_out(body, message.language, subject, content.get("preheader") or "", unsubscribe_page)
    if rewrite is not None:
        html = rewrite(html)
    text = content.get("text") or html_to_text(body)
    token = secrets.token_hex(8)
    content_type, payload = _multipart("alternative", [
        _part('text/plain; charset="utf-8"', text.encode()),
        _part('text/html; charset="utf-8"', html.encode())], f"=_alt-{token}")
    attachments = content.get("attachments") or ()
    if attachments:
        parts, total = [f"Content-Type: {content_type}{CRLF}{CRLF}".encode() + payload], 0
        for item in attachments:
            part, size = _attachment(item, total)
            parts.append(part)
            total += size
        content_type, payload = _multipart("mixed", parts, f"=_mix-{token}")

    headers = [("From", mailbox(identity.from_name, sender)), ("To", recipient),
               ("Subject", encoded(subject)), ("Date", formatdate(usegmt=True)),
               ("Message-ID", message_id(message, domain))]
    if identity.reply_to:
        headers.append(("Reply-To", ascii_address(identity.reply_to)))
    if one_click_url or unsubscribe_mailto:
        # RFC 2369: https first (one click, RFC 8058), mailto as the fallback; one per line.
        headers.append(("List-Unsubscribe", f",{CRLF} ".join(f"<{u}>" for u in (one_click_url, unsubscribe_mailto)
                                                               if u)))
        if one_click_url:
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    headers += [("MIME-Version", "1.0"), ("Content-Type", content_type)]
    data = "".join(f"{name}: {value}{CRLF}" for name, value in headers).encode() + CRLF.encode() + payload
    if dkim_key is not None:
        data = sign(data, identity.dkim_selector, domain, dkim_key) + data
    return (return_path or sender), recipient, data


def sign(data, selector, domain, key):
    """The DKIM-Signature header line (bytes) for `data`, signing DKIM_HEADERS that are present."""
    import dkim

    return dkim.sign(data, selector.encode(), domain.encode(), key, include_headers=list(DKIM_HEADERS),
                     linesep=b"\r\n")
