"""Previewing a program for a chosen contact, and sending one test message to an address.

Each content field is rendered as the program would send it to that contact (chapar.sending.preview).
HTML fields appear in a sandboxed iframe whose document comes from program_preview_frame, under
the frame policy of compose_preview (which says why).
"""
import dataclasses

from chapar.access import require_role
from chapar.audit import record
from chapar.channels import channel_settings
from chapar.contacts import default_region, normalise_email, normalise_phone
from chapar.errors import FieldError
from chapar.models import Contact
from chapar.sending import preview
from chapar.templating import TemplateError
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from . import blueprint
from .compose_preview import frame_response, problem_text
from .contacts_common import MESSAGES as CONTACT_MESSAGES
from .program_compose import channel_or_none, language_label, widget
from .program_form import search_contacts
from .program_page import program_or_404
from .render import endpoint_url, render

MAX_ADDRESS = 500


def chosen_contact():
    """The contact in ?contact= (or the form's `contact`), or None for a blank one."""
    value = request.values.get("contact", "")
    if not value.isdigit() or len(value) > 18:
        return None
    return Contact.get_or_none(Contact.id == int(value))


def rendered(program, channel, contact):
    """(OutgoingMessage, Estimate, None) for `contact` (None: a contact with no values), or
    (None, None, the template problem)."""
    try:
        out, estimate = preview(program, channel, channel_settings(channel.identifier), contact or Contact())
    except TemplateError as error:
        return None, None, problem_text(error)
    return out, estimate, None


def clean_address(channel, raw):
    """(address, None) as the channel delivers to, or (raw, message) when it cannot be one."""
    raw = (raw or "").strip()[:MAX_ADDRESS]
    if not raw:
        return raw, _("Enter where to send the test.")
    try:
        if channel.address == "email":
            return normalise_email(raw), None
        if channel.address in ("mobile", "fax"):
            return normalise_phone(raw, default_region(), field=channel.address), None
    except FieldError as error:
        return raw, str(CONTACT_MESSAGES.get(error.code, error.message))
    return raw, None  # a postal address is free text


def default_address(channel):
    return current_user.email if channel.address == "email" else ""


def result_line(result):
    """(badge class, sentence) for a SendResult of the test message."""
    if result.outcome == "accepted":
        return "ok", _("The provider accepted the test message (its id: %(id)s).", id=result.provider_id or "—")
    if result.outcome == "transient":
        return "warn", _("The provider could not take it now: %(error)s", error=result.error)
    return "error", _("The provider refused it: %(error)s", error=result.error)


def show_preview(program, status=200, **extra):
    channel = channel_or_none(program.channel)
    contact = chosen_contact()
    context = {"program": program, "channel": channel, "contact": contact, "language_label": language_label,
               "program_url": endpoint_url("webui.program_show", program_id=program.id),
               "preview_url": lambda contact_id: url_for("webui.program_preview", program_id=program.id,
                                                         contact=contact_id)}
    if channel is not None:
        out, estimate, problem = rendered(program, channel, contact)
        fields = [(field, widget(field, channel), out.content.get(field.name) if out else None)
                  for field in channel.content_fields]
        context.update(out=out, estimate=estimate, problem=problem, fields=fields,
                       address=extra.pop("address", None) or default_address(channel))
    return render("webui/programs/preview.html", status=status, **context, **extra)


@blueprint.route("/programs/<id:program_id>/preview")
@require_role("marketer")
def program_preview(program_id):
    program = program_or_404(program_id)
    text = request.args.get("contact_q", "").strip()
    found = search_contacts(text) if text else []
    return show_preview(program, found_contacts=found, searched=bool(text), contact_q=text)


@blueprint.route("/programs/<id:program_id>/preview/frame")
@require_role("marketer")
def program_preview_frame(program_id):
    """One HTML field, rendered for the contact, as a document for the preview's sandboxed iframe."""
    program = program_or_404(program_id)
    channel = channel_or_none(program.channel) or abort(404)
    field = next((f for f in channel.content_fields if f.name == request.args.get("field")), None)
    if field is None or widget(field, channel) != "html":
        abort(404)
    out, _estimate, problem = rendered(program, channel, chosen_contact())
    return frame_response((out.content.get(field.name) or "") if out else str(escape(problem)))


@blueprint.route("/programs/<id:program_id>/test-send", methods=["POST"])
@require_role("marketer")
def program_test_send(program_id):
    """Send the program's content, rendered for the chosen contact, to one address, straight
    through the channel (no queue, no Message row); the answer is shown and audited."""
    program = program_or_404(program_id)
    channel = channel_or_none(program.channel) or abort(404)
    address, error = clean_address(channel, request.form.get("address"))
    if error:
        return show_preview(program, status=422, address=address, address_error=error)
    contact = chosen_contact()
    out, _estimate, problem = rendered(program, channel, contact)
    if out is None:
        return show_preview(program, status=422, address=address)
    message = dataclasses.replace(out, id=0, program_id=program.id, contact_id=contact.id if contact else None,
                                  address=address, provider=program.provider)
    try:
        results = [r for r in channel.send([message], channel_settings(channel.identifier)) if r.message_id == 0]
        result, failure = (results[0], None) if results else (None, _("The channel gave no answer for the message."))
    except Exception as exc:  # noqa: BLE001 - whatever the plugin raised is what the person must see
        result, failure = None, f"{type(exc).__name__}: {exc}"
    record("program.test_sent", current_user._get_current_object(), f"program #{program.id}", address=address,
           contact=contact.id if contact else None, outcome=result.outcome if result else "error",
           provider_id=result.provider_id if result else "", error=(result.error if result else failure)[:500])
    return show_preview(program, address=address, test_result=result_line(result) if result else ("error", _(
        "The channel failed: %(error)s", error=failure)))
