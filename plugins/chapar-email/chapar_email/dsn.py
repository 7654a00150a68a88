"""Delivery status notifications: is this mail a bounce, for which message, hard or soft?

Reads RFC 3464 reports (multipart/report; report-type=delivery-status — Postfix, Exchange,
Gmail today) and the plain-text shapes older or simpler servers still send (Exim's "Mail
delivery failed", qmail's "failure notice", Gmail's "Delivery to the following recipient failed
permanently"). The message is found by the signed VERP return path or our signed
<chapar-<id>.<mac>@…> Message-ID in the returned headers (both trusted), or by an unsigned
<chapar-<id>@…> one (mail sent before Message-IDs were signed; checked against the failed
recipient by the caller).

Hard or soft: the enhanced status code decides (5.x.x hard, 4.x.x soft), then a basic SMTP code,
then wording. Two 5.x.x codes are soft on purpose: 5.2.2 (mailbox full) clears up by itself, and
5.7.x is the receiving server refusing *us* (policy, reputation, spam filter) — marking the
address dead for that would stop mail to people whose mailbox is fine.
"""
import re
from dataclasses import dataclass, field
from email.utils import getaddresses

from . import verp

_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|mdaemon)@", re.IGNORECASE)
_BOUNCE_SUBJECTS = re.compile(
    r"undeliver|returned mail|returning message to sender|mail delivery (failed|subsystem)|failure notice"
    r"|delivery status notification|delivery (has )?failed|could not be delivered|delayed mail|message delayed"
    r"|warning: message .* delayed|non[- ]?delivery", re.IGNORECASE)
_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_BASIC = re.compile(r"\b([45])\d\d\b")
# A Message-ID line of ours in a returned copy, signed or not (verp.py tells them apart).
_QUOTED_ID = re.compile(r"^message-id:\s*(<chapar-[0-9a-f.]{1,40}@[^>\s]+>?)", re.IGNORECASE | re.MULTILINE)
_ADDRESS = re.compile(r"<?([A-Za-z0-9._%+\-=']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})>?")
# Where plain-text bounces start quoting the original message.
_ORIGINAL = re.compile(
    r"^(-+ ?(this is a copy of|below this line is a copy|original message|a copy of the original)|"
    r"----- (original message|the header of the original))", re.IGNORECASE | re.MULTILINE)

SOFT_WORDS = re.compile(
    r"mailbox (is )?full|over ?quota|quota exceeded|insufficient (system )?storage|temporar|try again"
    r"|delayed|still being retried|greylist|deferred|will (be )?retr|has been delayed", re.IGNORECASE)
HARD_WORDS = re.compile(
    r"user unknown|unknown user|no such (user|mailbox|recipient)|does not exist|doesn'?t exist|not found"
    r"|recipient (address )?rejected|invalid (recipient|address|mailbox)|mailbox unavailable"
    r"|address (couldn'?t be found|not found|rejected)|account (has been )?disabled|failed permanently"
    r"|permanent (error|failure)|undeliverable|host (or domain name )?not found|no mx", re.IGNORECASE)


@dataclass
class Bounce:
    action: str  # failed, delayed, delivered (a success DSN: nothing to mark)
    hard: bool
    status: str = ""  # the enhanced code, "5.1.1", when one was given
    reason: str = ""  # the server's words, shortened
    recipient: str = ""
    verp_id: int | None = None  # from the signed return path: trustworthy
    signed_ids: list = field(default_factory=list)  # from quoted signed Message-IDs: trustworthy
    header_ids: list = field(default_factory=list)  # from quoted unsigned Message-IDs: to be checked


@dataclass
class QuotedIds:
    """Our message ids quoted in a report: `signed` ones prove the message, `unsigned` ones do not."""
    signed: list = field(default_factory=list)
    unsigned: list = field(default_factory=list)


def looks_like_bounce(msg):
    """True for a DSN or a mail with the sender and subject of one."""
    if _is_report(msg, "delivery-status"):
        return True
    sender = " ".join(a for _, a in getaddresses(msg.get_all("From", [])))
    subject = str(msg.get("Subject", ""))
    return bool(_BOUNCE_SENDERS.search(sender) and _BOUNCE_SUBJECTS.search(subject)) or (
        msg.get("Return-Path", "").strip() in ("<>", "") and bool(_BOUNCE_SUBJECTS.search(subject))
        and "Return-Path" in msg)


def parse_bounce(msg):
    """A Bounce for a bounce mail (compat32 email.message.Message), else None."""
    if not looks_like_bounce(msg):
        return None
    fields = _delivery_status(msg)
    text = _human_text(msg)
    if fields:
        action = (fields.get("action") or "failed").strip().lower()
        status = _code(fields.get("status", "")) or _code(fields.get("diagnostic-code", ""))
        reason = _clean(fields.get("diagnostic-code", "")) or _first_problem_line(text)
        recipient = _address(fields.get("final-recipient", "") or fields.get("original-recipient", ""))
    else:
        head = _ORIGINAL.split(text, maxsplit=1)[0]
        status = _code(head)
        action = "delayed" if (not status.startswith("5") and SOFT_WORDS.search(head)) else "failed"
        reason = _first_problem_line(head)
        recipient = _failed_recipient(head, msg)
    quoted = quoted_message_ids(msg)
    found = {"recipient": recipient, "verp_id": _verp_id(msg), "signed_ids": quoted.signed,
             "header_ids": quoted.unsigned}
    if action in ("delivered", "relayed", "expanded"):
        return Bounce(action="delivered", hard=False, status=status, **found)
    return Bounce(action="delayed" if action == "delayed" else "failed",
                  hard=action != "delayed" and is_hard(status, reason or text),
                  status=status, reason=reason[:500], **found)


def is_hard(status, text=""):
    """Hard (the address is dead) or soft (try again some day), from the code, else the words."""
    if status:
        if status.startswith(("4", "5.2.2", "5.7.")):
            return False
        if status.startswith("5"):
            return True
    basic = _BASIC.search(text or "")
    if basic:
        return basic.group(1) == "5" and not SOFT_WORDS.search(text)
    if SOFT_WORDS.search(text or ""):
        return False
    return bool(HARD_WORDS.search(text or ""))


def quoted_message_ids(msg):
    """QuotedIds: our message ids in the Message-ID headers a report quotes (never the report's
    own), the correctly signed ones apart from the unsigned ones; a forged MAC is in neither."""
    quoted = []
    for part in msg.walk():
        if part is msg and msg.is_multipart():
            continue
        kind = part.get_content_type()
        if part is not msg and part.get("Message-ID") and kind != "message/delivery-status":
            quoted.append(str(part.get("Message-ID")))
        if kind in ("text/rfc822-headers", "text/plain", "message/rfc822-headers") or (
                kind == "message/rfc822" and not part.is_multipart()):
            quoted += _QUOTED_ID.findall(_text(part))
    text = " ".join(quoted)
    return QuotedIds(signed=list(dict.fromkeys(verp.signed_message_ids(text))),
                     unsigned=list(dict.fromkeys(verp.header_message_ids(text))))


def _verp_id(msg):
    """The message named by a signed bounces+ address where the bounce was delivered or quoted."""
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "X-Envelope-To"):
        found = verp.tagged_message_id(" ".join(map(str, msg.get_all(name, []))), kinds=("bounces",))
        if found:
            return found
    # The returned original's Return-Path or a plain-text copy quotes it too.
    for part in msg.walk():
        if part is not msg:
            found = verp.tagged_message_id(str(part.get("Return-Path", "")) + "\n" + _text(part), kinds=("bounces",))
            if found:
                return found
    return None


def _is_report(msg, report_type):
    return (msg.get_content_type() == "multipart/report"
            and (msg.get_param("report-type") or "").lower() == report_type)


def _delivery_status(msg):
    """The first failed (else first) per-recipient block of a message/delivery-status part, lowercased keys."""
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        if not blocks and isinstance(payload, str):  # some servers base64 it; parse the text
            import email

            blocks = [email.message_from_string(b.strip() + "\n") for b in re.split(r"\n\s*\n", _text(part))]
        recipients = [{k.lower(): str(v) for k, v in b.items()} for b in blocks[1:] or blocks]
        recipients = [r for r in recipients if r.get("final-recipient") or r.get("action") or r.get("status")]
        failed = [r for r in recipients if (r.get("action") or "").strip().lower() == "failed"]
        if failed or recipients:
            return (failed or recipients)[0]
    return {}


def _text(part):
    if part.is_multipart():
        return ""
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    return payload.decode(part.get_content_charset() or "utf-8", "replace")


def _human_text(msg):
    """The readable text of a bounce: its text/plain parts outside any returned message."""
    if not msg.is_multipart():
        return _text(msg)
    texts = []
    for part in msg.get_payload():
        if part.get_content_type() == "text/plain":
            texts.append(_text(part))
        elif part.get_content_type() in ("multipart/alternative", "multipart/related", "multipart/mixed"):
            texts.append(_human_text(part))
    return "\n".join(texts)


def _code(text):
    match = _ENHANCED.search(text or "")
    return ".".join(match.groups()) if match else ""


def _address(value):
    """`rfc822; a@b` -> a@b."""
    value = value.split(";", 1)[-1].strip()
    match = _ADDRESS.search(value)
    return match.group(1).lower() if match else ""


def _clean(value):
    return re.sub(r"\s+", " ", value.split(";", 1)[-1] if ";" in value[:10] else value).strip()


def _first_problem_line(text):
    """The line that says what went wrong: one with an SMTP code, else one with telling words."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    for pattern in (_ENHANCED, _BASIC, HARD_WORDS, SOFT_WORDS):
        for line in lines:
            if pattern.search(line):
                return line[:500]
    return ""


def _failed_recipient(head, msg):
    """The first address in the bounce text that is neither ours nor the reporting server's."""
    ours = {a.lower() for _, a in getaddresses(msg.get_all("To", []) + msg.get_all("From", []))}
    for match in _ADDRESS.finditer(head):
        address = match.group(1).lower()
        if address not in ours and not _BOUNCE_SENDERS.match(address) \
                and not verp.is_tagged(address):
            return address
    return ""
