"""/api/v1 messages: what each program sent to whom and what became of it, and the messages
received (replies, keywords, inbound faxes). Read-only, for viewers and up.

    GET /programs/<id>/messages   a program's messages, filtered by status
    GET /messages/<id>            one message with its timeline (events) and the replies to it
    GET /programs/<id>/inbound    messages received in answer to a program
    GET /inbound                  every message received, filtered by channel and contact
"""
import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow.validate import Length, OneOf, Range
from peewee import JOIN

from ..access import require_role
from ..models import MESSAGE_STATUSES, SKIP_REASONS, Contact, EventRecord, InboundMessage, Message
from ..security import MAX_ID
from .campaign_schemas import money
from .contact_schemas import get_or_404
from .pagination import PAGE_HEADERS, PageArgsSchema, page_of, paginate
from .programs import program_or_404
from .schemas import UTCDateTime

blp = Blueprint("messages", __name__, url_prefix="", description="Messages sent and received")


class MessageSchema(ma.Schema):
    id = ma.fields.Integer()
    program_id = ma.fields.Integer()
    contact_id = ma.fields.Integer(allow_none=True, metadata={"description": "null once the contact is deleted"})
    contact_name = ma.fields.Function(lambda m: m.contact.full_name if m.contact_id else "", metadata={
        "type": "string"})
    address = ma.fields.String()
    language = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(MESSAGE_STATUSES)})
    reason = ma.fields.String(metadata={"description": "Why it was skipped (" + ", ".join(SKIP_REASONS)
                                        + ") or a failure code"})
    error = ma.fields.String(metadata={"description": "The provider's or channel's words on a failure"})
    provider_id = ma.fields.String()
    units = ma.fields.Integer()
    cost = money(4)
    attempts = ma.fields.Integer()
    next_attempt_at = UTCDateTime(allow_none=True, metadata={"description": "When a transient failure is retried"})
    queued_at = UTCDateTime()
    sent_at = UTCDateTime(allow_none=True)
    delivered_at = UTCDateTime(allow_none=True)
    failed_at = UTCDateTime(allow_none=True)
    updated_at = UTCDateTime()


class EventSchema(ma.Schema):
    name = ma.fields.String(metadata={"description": "delivered, opened, clicked, replied, bounced, unsubscribed …"})
    properties = ma.fields.Raw(metadata={"type": "object", "description": "e.g. the url of a click"})
    created_at = UTCDateTime()


class InboundSchema(ma.Schema):
    id = ma.fields.Integer()
    channel = ma.fields.String()
    sender = ma.fields.String(metadata={"description": "The address it came from"})
    recipient = ma.fields.String(metadata={"description": "Our number or mailbox"})
    contact_id = ma.fields.Integer(allow_none=True)
    program_id = ma.fields.Integer(allow_none=True)
    message_id = ma.fields.Integer(allow_none=True, metadata={"description": "The message it answers"})
    subject = ma.fields.String()
    body = ma.fields.String()
    provider_id = ma.fields.String()
    action = ma.fields.String(metadata={"description": "What it did: unsubscribed, survey_answer …; \"\" if nothing"})
    data = ma.fields.Raw(metadata={"type": "object"})
    received_at = UTCDateTime()


class MessageDetailSchema(MessageSchema):
    events = ma.fields.List(ma.fields.Nested(EventSchema), metadata={"description": "Oldest first"})
    replies = ma.fields.List(ma.fields.Nested(InboundSchema))


class MessageListArgsSchema(PageArgsSchema):
    status = ma.fields.List(ma.fields.String(validate=OneOf(MESSAGE_STATUSES)), metadata={
        "description": "Only messages in this status; repeat for several"})


class InboundListArgsSchema(PageArgsSchema):
    channel = ma.fields.String(validate=Length(max=40))
    contact = ma.fields.Integer(validate=Range(min=1, max=MAX_ID), metadata={"description": "A contact id"})


def _with_contacts(query):
    """The message query with each contact's name read in the same query (for contact_name)."""
    return query.select_extend(Contact).join(Contact, JOIN.LEFT_OUTER, on=(Message.contact == Contact.id))


def _newest_inbound(query, args):
    if args.get("channel"):
        query = query.where(InboundMessage.channel == args["channel"])
    if "contact" in args:
        query = query.where(InboundMessage.contact == args["contact"])
    return query.order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())


@blp.route("/programs/<id:program_id>/messages", methods=["GET"])
@require_role("viewer")
@blp.arguments(MessageListArgsSchema, location="query")
@blp.response(200, page_of(MessageSchema), headers=PAGE_HEADERS)
def list_messages(args, program_id):
    """List a program's messages

    One per contact of the audience, skipped ones included (with the reason), by id.
    """
    program = program_or_404(program_id)
    query = Message.select().where(Message.program == program)
    if args.get("status"):
        query = query.where(Message.status.in_(args["status"]))
    return paginate(_with_contacts(query).order_by(Message.id), args)


@blp.route("/messages/<id:message_id>", methods=["GET"])
@require_role("viewer")
@blp.response(200, MessageDetailSchema)
def get_message(message_id):
    """Get a message with its timeline

    `events` lists what happened to it after it was handed over (delivered, opened, clicked,
    replied, bounced …); `replies` the messages received in answer.
    """
    message = get_or_404(_with_contacts(Message.select()), message_id, "message")
    message.events = list(EventRecord.select().where(EventRecord.message == message)
                          .order_by(EventRecord.created_at, EventRecord.id))
    message.replies = list(InboundMessage.select().where(InboundMessage.message == message)
                           .order_by(InboundMessage.received_at, InboundMessage.id))
    return message


@blp.route("/programs/<id:program_id>/inbound", methods=["GET"])
@require_role("viewer")
@blp.arguments(InboundListArgsSchema, location="query")
@blp.response(200, page_of(InboundSchema), headers=PAGE_HEADERS)
def list_program_inbound(args, program_id):
    """List the messages received for a program

    Newest first; filter by `channel` and `contact`.
    """
    program = program_or_404(program_id)
    return paginate(_newest_inbound(InboundMessage.select().where(InboundMessage.program == program), args), args)


@blp.route("/inbound", methods=["GET"])
@require_role("viewer")
@blp.arguments(InboundListArgsSchema, location="query")
@blp.response(200, page_of(InboundSchema), headers=PAGE_HEADERS)
def list_inbound(args):
    """List every message received

    Replies, keywords and inbound faxes, matched to a contact and a program when possible.
    Newest first; filter by `channel` and `contact`.
    """
    return paginate(_newest_inbound(InboundMessage.select(), args), args)
