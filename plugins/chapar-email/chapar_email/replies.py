"""Replies: which of our messages a mail answers, and its text without the quoted original;
and the unsubscribe requests sent to our List-Unsubscribe mailto address.

Matched by the signed reply-to token (reply+<id>-<mac>@…) in the recipients, else by our signed
<chapar-<id>.<mac>@…> Message-ID in In-Reply-To, else in References (the newest first: a thread
may quote several of our messages). Unsigned <chapar-<id>@…> ones (mail sent before Message-IDs
were signed) anyone could write: they are only candidates (Reply.unsigned_ids), which
handling.py accepts when the reply comes from the message's own address.
"""
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr

from . import dsn, tokens, verp

MAX_BODY = 100_000

# RFC 3834 and the headers vacation responders actually send.
_AUTO_SUBJECT = re.compile(r"^(auto(matic)?[ -]?reply|out of (the )?office|away from|vacation|"
                           r"abwesenheit|absence|پاسخ خودکار)", re.IGNORECASE)
# Where the quoted original starts in common clients (Gmail, Outlook, Apple Mail, Thunderbird).
_QUOTE_START = re.compile(r"^(On .{3,200} wrote:\s*$|-{2,} ?Original Message ?-{2,}|From: .+\nSent: |"
                          r"در تاریخ .{3,200} نوشت:\s*$|_{10,})", re.MULTILINE)


@dataclass
class Reply:
    message_id: int | None
    sender: str
    recipient: str
    subject: str
    body: str
    provider_id: str  # the reply's own Message-ID
    unsigned_ids: list = field(default_factory=list)  # unproven candidates when message_id is None


def is_auto_reply(msg):
    """Out-of-office and other machine answers (RFC 3834 Auto-Submitted, and the usual markers)."""
    auto = (msg.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return True
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Response-Suppress", "").lower() in (
            "all", "oof"):
        return True
    if (msg.get("Precedence") or "").strip().lower() in ("auto_reply", "bulk", "junk"):
        return True
    return bool(_AUTO_SUBJECT.search(_decoded(msg.get("Subject", ""))))


def _addresses(msg, headers):
    return [address for _, address in getaddresses([str(v) for h in headers for v in msg.get_all(h, [])]) if address]


def replied_message_id(msg):
    """Our message id this mail answers, proven by the reply-to token or a signed Message-ID, or None."""
    recipients = " ".join(_addresses(msg, ("To", "Cc", "Delivered-To", "X-Original-To")))
    token = verp.tagged_message_id(recipients, kinds=("reply",))
    if token is not None:
        return token
    found = _quoted_ids(msg, verp.signed_message_ids)
    return found[0] if found else None


def unsigned_message_ids(msg):
    """Our message ids in unsigned Message-IDs this mail quotes, the likeliest first: unproven."""
    return _quoted_ids(msg, verp.header_message_ids)


def _quoted_ids(msg, ids_in):
    # In-Reply-To names the message answered; References the thread, oldest first.
    return list(dict.fromkeys(ids_in(str(msg.get("In-Reply-To", "")))
                              + ids_in(str(msg.get("References", "")))[::-1]))


# Where the address a mail was sent to shows: the header the sender wrote, and the ones mail
# servers add on delivery (Postfix, Dovecot LDA: Delivered-To, X-Original-To; Exim: Envelope-To).
# Not Cc: a person writing to us who merely copies the unsubscribe address is no request.
DELIVERY_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To")


def unsubscribe_tokens(msg):
    """The tokens of the `unsubscribe+<token>@` addresses (our List-Unsubscribe mailto) this mail
    was sent to, unverified, without repeats; [] for any other mail."""
    found = (tokens.token_from_mailto_address(address) for address in _addresses(msg, DELIVERY_HEADERS))
    return list(dict.fromkeys(token for token in found if token))


def parse_reply(msg):
    """A Reply for a mail from a person, else None (bounces and reports are never replies)."""
    if msg.get_content_type() == "multipart/report" or dsn.looks_like_bounce(msg):
        return None
    sender = parseaddr(msg.get("Reply-To") or msg.get("From") or "")[1]
    if not sender:
        return None
    recipient = parseaddr(msg.get("To") or "")[1]
    return Reply(message_id=replied_message_id(msg), sender=sender.lower(), recipient=recipient,
                 subject=_decoded(msg.get("Subject", ""))[:500], body=new_text(body_text(msg))[:MAX_BODY],
                 provider_id=(msg.get("Message-ID") or "").strip()[:200], unsigned_ids=unsigned_message_ids(msg))


def body_text(msg):
    """The text/plain part (else the HTML one, tags stripped) of a mail."""
    plain = html = None
    for part in msg.walk():
        if part.get_content_maintype() == "multipart" or part.get("Content-Disposition", "").startswith("attachment"):
            continue
        if part.get_content_type() == "text/plain" and plain is None:
            plain = dsn._text(part)
        elif part.get_content_type() == "text/html" and html is None:
            html = dsn._text(part)
    if plain is not None:
        return plain
    if html is not None:
        import html as html_lib

        text = re.sub(r"(?is)<(script|style).*?</\1>", " ", html)
        text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
        return html_lib.unescape(re.sub(r"<[^>]+>", "", text))
    return ""


def new_text(text):
    """The reply without the quoted message below it (and without `>` quoted lines)."""
    match = _QUOTE_START.search(text)
    if match:
        text = text[:match.start()]
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(">")]
    return "\n".join(lines).strip()


def _decoded(value):
    try:
        return str(make_header(decode_header(str(value))))
    except (UnicodeError, ValueError, LookupError):
        return str(value)
