"""Delivery reports from any gateway, mapped onto the message's status.

Gateways report by our message id (Kannel's dlr-url carries it) or by their own id for the
message (SMPP, most HTTP APIs): the first is Message.provider_id; the ids of further segments of
a long SMPP message are remembered in Redis for RECEIPT_DAYS. Reports for messages we do not
know are logged and ignored.
"""
import logging

from chapar import Message, Program, get_redis, record_event

log = logging.getLogger(__name__)

STATES = ("delivered", "failed", "expired", "pending")
RECEIPT_DAYS = 7


def _ref_key(gateway_id, ref):
    return f"sms:ref:{gateway_id}:{ref}"


def remember_ref(gateway_id, ref, message_id):
    """Let a report about `ref` (a further segment's id) find `message_id`."""
    get_redis().set(_ref_key(gateway_id, ref), message_id, ex=RECEIPT_DAYS * 86400)


def find_message(gateway_id, message_id=None, ref=None):
    """The SMS Message a report is about, or None."""
    query = Message.select().join(Program).where(Program.channel == "sms")
    if message_id:
        return query.where(Message.id == int(message_id)).first() if str(message_id).isdigit() else None
    if not ref:
        return None
    found = query.where(Message.provider_id == str(ref)).first()
    if found is None:
        other = get_redis().get(_ref_key(gateway_id, ref))
        found = query.where(Message.id == int(other)).first() if other else None
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
