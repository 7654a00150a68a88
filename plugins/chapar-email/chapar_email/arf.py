"""Abuse reports (ARF, RFC 5965): someone pressed "this is spam" on one of our emails.

A feedback loop sends multipart/report; report-type=feedback-report with a human part, a
message/feedback-report part (Feedback-Type, Original-Rcpt-To, …) and the original message or its
headers. Providers redact the recipient more often than not, so the message is found the same
ways as for bounces: the signed return path or our signed Message-ID in the returned headers,
or an unsigned Message-ID (older mail) only when the report names the message's recipient.
"""
from dataclasses import dataclass, field

from . import dsn, verp


@dataclass
class Complaint:
    feedback_type: str  # abuse, fraud, virus, other, not-spam …
    recipient: str = ""
    user_agent: str = ""
    verp_id: int | None = None
    signed_ids: list = field(default_factory=list)  # trustworthy, like verp_id
    header_ids: list = field(default_factory=list)  # unsigned: only with the recipient to check


# "not-spam" is someone taking a complaint back: not a complaint. auth-failure reports are
# about our DKIM/SPF, not about the recipient's wishes.
NOT_COMPLAINTS = ("not-spam", "auth-failure")


def parse_complaint(msg):
    """A Complaint for an ARF report (compat32 Message), else None."""
    if not (msg.get_content_type() == "multipart/report"
            and (msg.get_param("report-type") or "").lower() == "feedback-report"):
        return None
    report = {}
    for part in msg.walk():
        if part.get_content_type() == "message/feedback-report":
            report = _fields(part)
            break
    feedback_type = (report.get("feedback-type") or "abuse").strip().lower()
    if feedback_type in NOT_COMPLAINTS:
        return None
    quoted = dsn.quoted_message_ids(msg)
    return Complaint(feedback_type=feedback_type,
                     recipient=dsn._address(report.get("original-rcpt-to", "")),
                     user_agent=report.get("user-agent", "")[:200],
                     verp_id=_verp_id(msg), signed_ids=quoted.signed, header_ids=quoted.unsigned)


def _fields(part):
    """The report's fields; the email package parses the part into a list of header blocks."""
    payload = part.get_payload()
    if isinstance(payload, list):
        merged = {}
        for block in payload:
            merged.update({k.lower(): str(v) for k, v in block.items()})
        return merged
    lines = dsn._text(part).splitlines()
    return {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines) if v}


def _verp_id(msg):
    for part in msg.walk():
        if part is msg:
            continue
        text = str(part.get("Return-Path", "")) + "\n" + dsn._text(part)
        found = verp.tagged_message_id(text, kinds=("bounces",))
        if found:
            return found
    return None
