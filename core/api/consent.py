"""/api/v1/contacts/<id>/consent: change a contact's consent, with evidence, and read its history.

Each change is a ConsentRecord (method "api", the token's user, the caller's IP and user agent,
the wording shown to the person); the history is never rewritten or deleted by a later change.
"""
from flask import g, request
from flask_smorest import Blueprint

from ..access import require_role
from ..audit import client_ip
from ..contacts import change_consent, set_do_not_contact
from ..models import ConsentRecord
from .contact_schemas import (ALL_CHANNELS, ConsentChangeResultSchema, ConsentChangeSchema, ConsentRecordSchema,
                              consent_state)
from .contacts import contact_or_404
from .pagination import PAGE_HEADERS, PageArgsSchema, page_of, paginate

blp = Blueprint("consent", __name__, url_prefix="/contacts", description="Consent per channel and its history")

METHOD = "api"


@blp.route("/<id:contact_id>/consent", methods=["POST"])
@require_role("marketer")
@blp.arguments(ConsentChangeSchema)
@blp.response(201, ConsentChangeResultSchema)
@blp.alt_response(200, schema=ConsentChangeResultSchema, description="The status already was the one asked for")
def change_contact_consent(data, contact_id):
    """Change a contact's consent

    `{"channel": "email", "status": "subscribed", "wording": "...", "detail": "..."}` sets one
    channel; `{"channel": "all", "status": "do_not_contact"}` (or `contact_allowed`) sets the
    do-not-contact flag. A change answers 201 with the new history record; asking for the status
    the contact already has changes nothing and answers 200 with `changed: false`.
    """
    contact = contact_or_404(contact_id)
    evidence = {"actor": g.api_user, "detail": data["detail"], "wording": data["wording"], "ip": client_ip(),
                "user_agent": request.user_agent.string or ""}
    if data["channel"] == ALL_CHANNELS:
        record = set_do_not_contact(contact, data["status"] == "do_not_contact", METHOD, **evidence)
    else:
        record = change_consent(contact, data["channel"], data["status"], METHOD, **evidence)
    body = {"changed": record is not None, "record": record, "do_not_contact": contact.do_not_contact,
            "consent": consent_state(contact)}
    return body, 201 if record is not None else 200


@blp.route("/<id:contact_id>/consent", methods=["GET"])
@require_role("viewer")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(ConsentRecordSchema), headers=PAGE_HEADERS)
def consent_history(args, contact_id):
    """A contact's consent history

    Newest first, including the records of contacts merged into this one.
    """
    contact = contact_or_404(contact_id)
    query = (ConsentRecord.select().where(ConsentRecord.contact == contact)
             .order_by(ConsentRecord.created_at.desc(), ConsentRecord.id.desc()))
    return paginate(query, args)
