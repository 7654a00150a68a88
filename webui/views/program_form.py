"""Composing a program: /campaigns/<id>/programs/new and /programs/<id>/edit.

One form, posted back to itself. Buttons other than Save (name="action") change the form without
saving anything: another channel's composer (refresh), a language variant added or removed,
library content copied in, a hand-picked contact added or removed. With htmx, typing checks the
content (program_compose.compose_check) and changing the audience or the costs refreshes the
summary of who will receive it and what it will cost (program_audience). Once a program is
launched its content is locked: the form then edits only the name, the throttle and the costs.
"""
import json
import re

from babel import Locale
from babel.core import get_global
from babel.dates import get_day_names
from chapar.access import require_role
from chapar.channels import channel_settings, channels
from chapar.errors import ValidationFailed
from chapar.i18n import current_language
from chapar.models import Contact, ContentItem, Program, Segment
from chapar.programs import (ProgramLocked, audience_summary, clean_program_data, clean_variants, estimate,
                             save_program, scheduled_local)
from chapar.programs.labels import CONSENT_POLICY_LABELS, PROGRAM_STATUS_LABELS, SCHEDULE_LABELS, SKIP_REASON_LABELS
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import blueprint
from .campaigns import campaign_or_404
from .contacts_query import search_condition
from .figures import money
from .program_compose import (apply_variant_action, channel_or_none, composer_context, fit_variants, problems,
                              variants_from_form)
from .program_page import program_or_404
from .render import endpoint_url, render

LOCKED_EDITABLE = ("name", "throttle_per_minute", "cost_per_unit", "fixed_cost")
TEXT_FIELDS = ("name", "channel", "provider", "content_item", "contacts", "consent_policy", "schedule_kind",
               "scheduled_at", "window_start", "window_end", "throttle_per_minute", "cost_per_unit", "fixed_cost")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
SHOWN_PICKED = 200
AMOUNT = _l("Enter an amount of 0 or more, such as 0.05.")
TIME = _l("Enter a time such as 08:30.")
MESSAGES = {  # (field, code) -> message; (field, "*") for any code of that field
    ("name", "required"): _l("Give the program a name."),
    ("name", "too_long"): _l("Keep the name under 200 characters."),
    ("channel", "*"): _l("Choose a channel."),
    ("include", "*"): _l("A chosen segment no longer exists; choose again."),
    ("contacts", "too_many"): _l("At most 10,000 hand-picked contacts; use a segment for more."),
    ("contacts", "*"): _l("Enter contact ids as whole numbers separated by commas."),
    ("scheduled_at", "required"): _l("Enter the date and time to send."),
    ("scheduled_at", "in_the_past"): _l("This time has already passed; choose a time in the future."),
    ("scheduled_at", "*"): _l("Enter a date and time."),
    ("window_start", "*"): TIME, ("window_end", "*"): TIME,
    ("window_days", "*"): _l("Tick at least one weekday."),
    ("throttle_per_minute", "*"): _l("Enter a whole number of messages per minute, or leave it empty for no limit."),
    ("cost_per_unit", "*"): AMOUNT, ("fixed_cost", "*"): AMOUNT,
    ("content_item", "*"): _l("This library content no longer exists."),
}
ERROR_FIELDS = {"audience": "include", "audience.include": "include", "audience.exclude": "include",
                "audience.contacts": "contacts"}


def blank_values(installed):
    return {"name": "", "channel": next(iter(installed), ""), "provider": "", "content_item": "", "include": [],
            "exclude": [], "contacts": "", "consent_policy": "subscribed", "schedule_kind": "now",
            "scheduled_at": "", "window_start": "", "window_end": "", "window_days": "0123456",
            "throttle_per_minute": "", "cost_per_unit": "", "fixed_cost": "", "tracking": False}


def amount(value):
    """A stored Decimal as people type it: 0.0500 -> 0.05, 0 -> ""."""
    text = format(value.normalize(), "f") if value else ""
    return "" if text in ("0", "") else text


def program_values(program):
    audience, local = program.audience, scheduled_local(program)
    return {"name": program.name, "channel": program.channel, "provider": program.provider,
            "content_item": str(program.content_item_id or ""),
            "include": [str(i) for i in audience.get("include", [])],
            "exclude": [str(i) for i in audience.get("exclude", [])],
            "contacts": ", ".join(str(i) for i in audience.get("contacts", [])),
            "consent_policy": program.consent_policy, "schedule_kind": program.schedule_kind,
            "scheduled_at": local.strftime("%Y-%m-%dT%H:%M") if local else "", "window_start": program.window_start,
            "window_end": program.window_end, "window_days": program.window_days,
            "throttle_per_minute": str(program.throttle_per_minute or ""),
            "cost_per_unit": amount(program.cost_per_unit),
            "fixed_cost": amount(program.fixed_cost), "tracking": program.tracking}


def form_values(form):
    values = {name: (form.get(name) or "").strip() for name in TEXT_FIELDS}
    values.update(include=form.getlist("include"), exclude=form.getlist("exclude"),
                  window_days="".join(form.getlist("window_days")), tracking="tracking" in form)
    return values


def contact_tokens(text):
    """What was typed in the hand-picked contacts box, split on commas (Persian ones too) and spaces."""
    return [token for token in re.split(r"[\s,،]+", (text or "").translate(_DIGITS)) if token]


def save_data(values, variants, channel):
    kind = values["schedule_kind"]
    data = {name: values[name] for name in ("name", "channel", "provider", "consent_policy", "throttle_per_minute",
                                            "cost_per_unit", "fixed_cost")}
    data.update(variants=variants, content_item=values["content_item"] or None, schedule_kind=kind,
                audience={"include": values["include"], "exclude": values["exclude"],
                          "contacts": contact_tokens(values["contacts"])},
                scheduled_at=values["scheduled_at"] if kind == "at" else None,
                tracking=bool(values["tracking"] and channel and "tracking" in channel.capabilities))
    if kind == "window":  # otherwise the window's fields keep what they held
        data.update({name: values[name] for name in ("window_start", "window_end", "window_days")})
    return data


def form_errors(errors):
    """{form field: message} for ValidationFailed.errors (content problems are shown by the composer)."""
    shown = {}
    for key, error in errors.items():
        if key.startswith("variants."):
            continue
        name = ERROR_FIELDS.get(key, key)
        message = MESSAGES.get((name, error.code)) or MESSAGES.get((name, "*")) or error.message
        shown.setdefault(name, str(message))
    return shown


def weekdays():
    """(digit, name) for the seven days, Monday = "0", in the order the reader's week runs."""
    language = current_language()
    locale = Locale.parse(get_global("likely_subtags").get(language, language))
    names = get_day_names("wide", locale=language)
    return [(str(day), names[day]) for day in ((locale.first_week_day + i) % 7 for i in range(7))]


def picked_contacts(text):
    """(contacts found, ids not found) for the hand-picked box, to show by name."""
    ids = [int(t) for t in contact_tokens(text) if t.isdigit() and 0 < int(t) < 2 ** 63][:SHOWN_PICKED]
    found = {c.id: c for c in Contact.select().where(Contact.id.in_(ids or [0]))}
    return [found[i] for i in ids if i in found], [i for i in ids if i not in found]


def search_contacts(text, limit=10):
    """Contacts matching a name, email or phone number, as the contacts list searches."""
    condition = search_condition((text or "")[:200])
    return [] if condition is None else list(Contact.select().where(condition).order_by(Contact.id).limit(limit))


def apply_action(action, campaign, values, variants, channel):
    """Carry out a button other than Save; returns (values, variants, extra template context)."""
    extra = {}
    if action == "add_variant" or action.startswith("remove_variant:"):
        variants, extra["variant_error"] = apply_variant_action(channel, variants, action,
                                                                request.form.get("new_variant"))
    elif action == "copy_content":
        chosen = values["content_item"]
        item = ContentItem.get_or_none(ContentItem.id == chosen) if chosen.isdigit() and len(chosen) < 19 else None
        if item is None or channel is None or item.channel != channel.identifier:
            extra["errors"] = {"content_item": _("Choose content made for this channel.")}
        else:
            variants = fit_variants(channel, item.variants)
            extra["notice"] = _("Copied %(name)s into the composer. Save to keep it.", name=item.name)
    elif action.startswith(("add_contact:", "remove_contact:")):
        verb, _sep, contact_id = action.partition(":")
        tokens = [t for t in contact_tokens(values["contacts"]) if t != contact_id]
        values = {**values, "contacts": ", ".join(tokens + ([contact_id] if verb == "add_contact" else []))}
    elif action == "search_contacts":
        extra.update(found_contacts=search_contacts(request.form.get("contact_q")), searched=True)
    elif action == "refresh":
        extra["summary_state"] = audience_state(campaign, values, variants, channel)
    return values, variants, extra


def audience_state(campaign, values, variants, channel):
    """Who the program would reach now and what it would cost, for the summary beside the form."""
    state = {"summary": None, "estimate": None, "labels": SKIP_REASON_LABELS, "channel": channel}
    if channel is None:
        return state
    data = {key: value for key, value in save_data(values, {}, channel).items()
            if key in ("audience", "consent_policy", "cost_per_unit", "fixed_cost")}
    try:  # a transient program stands in for the one being edited, so name and channel are not asked for
        cleaned = clean_program_data(data, campaign, Program(campaign=campaign, channel=channel.identifier))
    except ValidationFailed:
        state["problem"] = _("Correct the audience and costs to see who will receive this program.")
        return state
    clean, _errors = clean_variants(channel, variants)
    program = Program(campaign=campaign, channel=channel.identifier, provider=values["provider"],
                      variants_json=json.dumps(clean), audience_json=json.dumps(cleaned["audience"]),
                      consent_policy=cleaned["consent_policy"], cost_per_unit=cleaned["cost_per_unit"],
                      fixed_cost=cleaned["fixed_cost"])
    state["summary"] = audience_summary(program, channel)
    state["estimate"] = estimate(program, channel, recipients=state["summary"]["queued"])
    state["cost"] = money(state["estimate"].cost, campaign.currency)
    state["currency"] = campaign.currency
    return state


def providers_of(channel):
    """The channel's (value, label) providers; a plugin failing here must not break the form."""
    try:
        return list(channel.providers(channel_settings(channel.identifier)) or ()) if channel else []
    except Exception:  # noqa: BLE001 - the plugin's problem, logged; the form goes on without a choice
        current_app.logger.exception("%s.providers() failed", channel.identifier)
        return []


def show(campaign, program, values, variants, channel, status=200, errors=None, found=None, general=(), **extra):
    locked = program is not None and program.content_locked
    library = (ContentItem.select(ContentItem.id, ContentItem.name).where(ContentItem.channel == channel.identifier)
               .order_by(ContentItem.name) if channel else [])
    picked, missing = picked_contacts(values["contacts"])
    context = composer_context(channel, variants, found, general, extra.pop("variant_error", None), readonly=locked)
    return render("webui/programs/form.html", status=status, campaign=campaign, program=program, values=values,
                  errors={**(errors or {}), **extra.pop("errors", {})}, channels=channels(), channel=channel,
                  providers=providers_of(channel), locked=locked, library=library, picked=picked, missing=missing,
                  segments=list(Segment.select(Segment.id, Segment.name).order_by(Segment.name)),
                  weekdays=weekdays(), consent_labels=CONSENT_POLICY_LABELS, schedule_labels=SCHEDULE_LABELS,
                  status_labels=PROGRAM_STATUS_LABELS, scheduled_local=scheduled_local(program) if program else None,
                  campaign_url=endpoint_url("webui.campaign_show", campaign_id=campaign.id),
                  program_url=endpoint_url("webui.program_show", program_id=program.id) if program else None,
                  **context, **extra)


@blueprint.route("/campaigns/<id:campaign_id>/programs/new", methods=["GET", "POST"])
@require_role("marketer")
def program_new(campaign_id):
    return program_form(campaign_or_404(campaign_id), None)


@blueprint.route("/programs/<id:program_id>/edit", methods=["GET", "POST"])
@require_role("marketer")
def program_edit(program_id):
    """Marketers edit drafts; once launched, what may still change (name, throttle, costs) is a manager's."""
    program = program_or_404(program_id)
    if program.content_locked and not current_user.can("manager"):
        abort(403)
    return program_form(program.campaign, program)


def program_form(campaign, program):
    locked = program is not None and program.content_locked
    if request.method != "POST":
        values = program_values(program) if program else blank_values(channels())
        channel = channel_or_none(values["channel"])
        return show(campaign, program, values, fit_variants(channel, program.variants if program else {}), channel)
    values = form_values(request.form)
    if locked:  # only what may still change comes from the form
        values = {**program_values(program), **{name: values[name] for name in LOCKED_EDITABLE}}
    channel = channel_or_none(values["channel"])
    variants = fit_variants(channel, program.variants) if locked else variants_from_form(request.form, channel)
    action = request.form.get("action", "save")
    if action != "save":
        values, variants, extra = apply_action(action, campaign, values, variants, channel)
        return show(campaign, program, values, variants, channel, **extra)
    data = save_data(values, variants, channel)
    if locked and "variant" not in request.form:  # a form made before the launch still carries content
        data = {name: data[name] for name in LOCKED_EDITABLE}
    try:
        saved = save_program(data, campaign=campaign, program=program, actor=current_user._get_current_object())
    except ProgramLocked:
        return show(campaign, program, values, variants, channel, status=422, locked_refused=True)
    except ValidationFailed as exc:
        found, general = problems(channel, variants)
        return show(campaign, program, values, variants, channel, status=422, errors=form_errors(exc.errors),
                    found=found, general=general)
    flash(_("Saved the program %(name)s.", name=saved.name), "ok")
    return redirect(endpoint_url("webui.program_show", program_id=saved.id)
                    or url_for("webui.program_edit", program_id=saved.id))


@blueprint.route("/campaigns/<id:campaign_id>/programs/audience", methods=["POST"])
@require_role("marketer")
def program_audience(campaign_id):
    """htmx: the audience summary and cost estimate for the form as it stands."""
    campaign = campaign_or_404(campaign_id)
    values = form_values(request.form)
    channel = channel_or_none(values["channel"])
    state = audience_state(campaign, values, variants_from_form(request.form, channel), channel)
    return render("webui/programs/_audience_summary.html", summary_state=state)


@blueprint.route("/programs/contacts/search")
@require_role("marketer")
def program_contact_search():
    """htmx: contacts to hand-pick (in the program form) or to preview for (?program=<id>)."""
    text = request.args.get("contact_q", "")
    program_id = request.args.get("program", "")
    preview_url = None
    if program_id.isdigit() and "webui.program_preview" in current_app.view_functions:
        def preview_url(contact_id):
            return url_for("webui.program_preview", program_id=int(program_id), contact=contact_id)
    return render("webui/programs/_audience_search.html", found_contacts=search_contacts(text),
                  searched=bool(text.strip()), preview_url=preview_url)
