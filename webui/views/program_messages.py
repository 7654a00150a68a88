"""A program's messages: the list with its status filter, the CSV export, one message's page with
its timeline, and the messages the program received (replies, keywords).

A program may hold 100k+ messages, so the list pages by id (keyset: ?after= / ?before=) and its
figures come from one GROUP BY (status_counts), never a COUNT per page. The export streams in id
order a batch at a time, every cell neutralised against spreadsheet formulas.
"""

from chapar.access import require_role
from chapar.audit import record
from chapar.csv_stream import csv_stream
from chapar.models import MESSAGE_STATUSES, SKIP_REASONS, Contact, InboundMessage, Message, Program, utcnow
from chapar.programs import status_counts
from flask import Response, abort, request, stream_with_context
from flask_login import current_user
from peewee import JOIN

from ..message_timeline import message_entries
from . import blueprint
from .program_page import channel_of, labels, program_or_404, skipped_by_reason
from .render import endpoint_url, paginate, render

PAGE_SIZE = 50
EXPORT_BATCH = 1000
CSV_COLUMNS = ("message_id", "contact_id", "contact_name", "address", "language", "status", "reason", "error",
               "provider_id", "units", "cost", "attempts", "queued_at", "sent_at", "delivered_at", "failed_at")


def message_filter():
    """(status, reason) from the query string; unknown values mean no filter."""
    status = request.args.get("status", "")
    status = status if status in MESSAGE_STATUSES else ""
    reason = request.args.get("reason", "") if status == "skipped" else ""
    return status, reason if reason in SKIP_REASONS else ""


def messages_of(program, status="", reason=""):
    """The program's messages with their contacts (None once deleted), filtered."""
    query = (Message.select(Message, Contact).join(Contact, JOIN.LEFT_OUTER)
             .where(Message.program == program))
    if status:
        query = query.where(Message.status == status)
    if reason:
        query = query.where(Message.reason == reason)
    return query


def keyset_page(query):
    """One page of `query` by id: (rows, previous cursor or None, next cursor or None)."""
    after = max(request.args.get("after", 0, type=int) or 0, 0)
    before = max(request.args.get("before", 0, type=int) or 0, 0)
    if before:
        rows = list(query.where(Message.id < before).order_by(Message.id.desc()).limit(PAGE_SIZE + 1))
        more_before, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE][::-1]
        return rows, (rows[0].id if more_before and rows else None), (rows[-1].id if rows else None)
    rows = list(query.where(Message.id > after).order_by(Message.id).limit(PAGE_SIZE + 1))
    more_after, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    return rows, (rows[0].id if after and rows else None), (rows[-1].id if more_after else None)


def contact_link(contact_id):
    return endpoint_url("webui.contact_show", contact_id=contact_id) if contact_id else None


@blueprint.route("/programs/<id:program_id>/messages")
@require_role("viewer")
def program_messages(program_id):
    program = program_or_404(program_id)
    status, reason = message_filter()
    rows, before, after = keyset_page(messages_of(program, status, reason))
    counts = status_counts(program)
    return render("webui/programs/messages.html", program=program, rows=rows, before=before, after=after,
                  counts=counts, total=sum(counts.values()), selected=status, reason=reason,
                  skipped=skipped_by_reason(program), currency=program.campaign.currency,
                  contact_link=contact_link, can_export=current_user.can("manager"), **labels(program))


def _cell(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_rows(program, status, reason):
    """The header, then one row per message in id order, read EXPORT_BATCH at a time."""
    yield CSV_COLUMNS
    query, last = messages_of(program, status, reason), 0
    while True:
        batch = list(query.where(Message.id > last).order_by(Message.id).limit(EXPORT_BATCH))
        if not batch:
            return
        for m in batch:
            name = m.contact.full_name if m.contact_id and m.contact else ""
            yield (m.id, m.contact_id or "", name, m.address, m.language, m.status, m.reason, m.error, m.provider_id,
                   m.units, m.cost, m.attempts, *(_cell(t) for t in (m.queued_at, m.sent_at, m.delivered_at,
                                                                     m.failed_at)))
        last = batch[-1].id


@blueprint.route("/programs/<id:program_id>/messages.csv")
@require_role("manager")
def program_messages_csv(program_id):
    """Every message of the program (or those of ?status=, ?reason=) as CSV; audited."""
    program = program_or_404(program_id)
    status, reason = message_filter()
    record("program.messages_exported", current_user._get_current_object(), f"program #{program.id}",
           name=program.name, via="web", status=status, reason=reason)
    filename = f"program-{program.id}-messages-{utcnow():%Y-%m-%d}.csv"
    return Response(stream_with_context(csv_stream(export_rows(program, status, reason))),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@blueprint.route("/messages/<id:message_id>")
@require_role("viewer")
def message_show(message_id):
    message = (Message.select(Message, Program, Contact).join(Program).switch(Message)
               .join(Contact, JOIN.LEFT_OUTER).where(Message.id == message_id).first()) or abort(404)
    channel = channel_of(message.program)
    return render("webui/programs/message.html", message=message, program=message.program,
                  channel_label=channel.label if channel else message.program.channel,
                  currency=message.program.campaign.currency, timeline=message_entries(message),
                  contact_link=contact_link, **labels(message.program))


@blueprint.route("/programs/<id:program_id>/inbound")
@require_role("viewer")
def program_inbound(program_id):
    """What the program's audience sent back, newest first."""
    program = program_or_404(program_id)
    query = (InboundMessage.select(InboundMessage, Contact).join(Contact, JOIN.LEFT_OUTER)
             .where(InboundMessage.program == program)
             .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()))
    return render("webui/programs/inbound.html", program=program, page=paginate(query, per_page=PAGE_SIZE),
                  contact_link=contact_link, **labels(program))
