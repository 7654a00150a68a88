"""Delivery reports from any gateway, mapped onto the message's status.

Gateways report by our message id (Kannel's dlr-url carries it) or by their own id for the
message (SMPP, most HTTP APIs): the first is Message.provider_id; the ids of further segments of
a long SMPP message are remembered in Redis for RECEIPT_DAYS. Reports for messages we do not
know are logged and ignored.

A gateway reports only on messages of programs sent through it: holding one gateway's secret
must not let anyone mark the messages of another gateway (or another channel) delivered or
failed, and two gateways numbering their messages alike must not mix up their reports.
"""
import logging
import re

from chapar import Message, Program, get_redis, record_event

from .gateways import SmsGateway, gateway_for

log = logging.getLogger(__name__)

STATES = ("delivered", "failed", "expired", "pending")
RECEIPT_DAYS = 7


def _ref_key(gateway_id, ref):
    return f"sms:ref:{gateway_id}:{ref}"


def remember_ref(gateway_id, ref, message_id):
    """Let a report about `ref` (a further segment's id) find `message_id`."""
    get_redis().set(_ref_key(gateway_id, ref), message_id, ex=RECEIPT_DAYS * 86400)


def _message_id(value):
    """`value` as a Message id, or None when it is none (ASCII digits that fit a database integer)."""
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def sent_through(gateway_id):
    """A condition on Program: its messages go through gateway `gateway_id`. A program that names no
    existing gateway goes through the default one (gateway_for), so those belong to the default."""
    mine = Program.provider == str(gateway_id)
    default = gateway_for("")
    if default is None or default.id != gateway_id:
        return mine
    others = [str(g.id) for g in SmsGateway.select(SmsGateway.id).where(SmsGateway.id != gateway_id)]
    return mine | Program.provider.not_in(others or [""]) | (Program.provider == "")


def find_message(gateway_id, message_id=None, ref=None):
    """The SMS Message of a program sent through gateway `gateway_id` that a report is about, or None."""
    query = Message.select().join(Program).where((Program.channel == "sms") & sent_through(gateway_id))
    if message_id:
        number = _message_id(message_id)
        return query.where(Message.id == number).first() if number is not None else None
    ref = str(ref or "").replace("\0", "")[:200]  # as stored; PostgreSQL refuses NUL even in a query
    if not ref:
        return None
    found = query.where(Message.provider_id == ref).first()
    if found is None:
        other = _message_id((get_redis().get(_ref_key(gateway_id, ref)) or b"").decode())
        found = query.where(Message.id == other).first() if other is not None else None
    return found


def receipt(gateway, state, *, message_id=None, ref=None, error=""):
    """Apply one delivery report: `state` is one of STATES. Returns the Message, or None when the
    report was about a message we do not know (logged)."""
    if state not in STATES:
        raise ValueError(f"unknown receipt state {state!r}")
    message = find_message(gateway.id, message_id=message_id, ref=ref)
    if message is None:
        log.warning("SMS gateway %s: receipt %s for unknown message (id %s, ref %s) ignored",
                    gateway.name, state, message_id, ref)
        return None
    if state == "delivered":
        record_event("delivered", message=message, channel="sms", gateway=gateway.name)
    elif state in ("failed", "expired"):
        record_event("undelivered", message=message, channel="sms", gateway=gateway.name,
                     error=("expired: " if state == "expired" else "") + (error or state))
    return message
