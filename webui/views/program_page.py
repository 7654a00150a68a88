"""A program's own page: what it is, who it reaches, what it says and costs, and its live progress.

The status card (templates/webui/programs/_progress.html) is a fragment that htmx polls every
2 s while the program is scheduled, sending or paused, or its launch is still writing the audience;
once the program is final the card comes back without hx-trigger, which stops the polling. It
carries the lifecycle buttons too, so they follow the status without a reload. The estimate renders
sample messages and walks the whole audience, so it loads as a fragment of its own after the page
(or with ?estimate=1 without JS).
"""

from babel import Locale, UnknownLocaleError
from babel.dates import get_day_names
from chapar.access import require_role
from chapar.channels import UnknownChannel, get_channel
from chapar.i18n import current_language, format_when, persian_digits
from chapar.models import Message, Program, Segment
from chapar.plugins import call_hook_flat
from chapar.programs import actual_cost, audience_summary, estimate, progress
from chapar.programs.costs import spent_units
from chapar.programs.errors import shown_error
from chapar.programs.labels import (CONSENT_POLICY_LABELS, INBOUND_ACTION_LABELS, MESSAGE_STATUS_LABELS,
                                    PROGRAM_STATUS_LABELS, REPLY_LABELS, SCHEDULE_LABELS, SKIP_REASON_LABELS)
from chapar.programs.schedule import to_local
from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from . import blueprint
from .figures import duration, money
from .render import endpoint_url, render

LIVE_STATUSES = ("scheduled", "sending", "paused")  # the status card polls while in one of these
SUMMARY_LINES = 3  # lines of each content field shown on the page
SUMMARY_CHARS = 300
# action: (program statuses it applies to, the lowest role that may do it) — see docs/roles.md.
ACTIONS = {
    "launch": (("ready",), "manager"),
    "pause": (("sending",), "marketer"),
    "resume": (("paused",), "manager"),
    "cancel": (("scheduled", "sending", "paused"), "manager"),
    "delete": (("draft", "ready", "sent", "cancelled", "failed"), "manager"),
}
STATUS_BADGES = {"draft": "muted", "ready": "ok", "scheduled": "warn", "sending": "warn", "paused": "warn",
                 "sent": "ok", "cancelled": "muted", "failed": "error"}
MESSAGE_BADGES = {"skipped": "muted", "queued": "muted", "sending": "warn", "handed": "warn", "sent": "ok",
                  "delivered": "ok", "printed": "ok", "mailed": "ok", "failed": "error", "bounced": "error", "cancelled": "muted", "uncertain": "warn"}


def program_or_404(program_id):
    return Program.get_or_none(Program.id == program_id) or abort(404)


def channel_of(program):
    """The program's Channel, or None when its plugin has been uninstalled."""
    try:
        return get_channel(program.channel)
    except UnknownChannel:
        return None




def allowed(program, action, user=None):
    statuses, role = ACTIONS[action]
    user = user or current_user
    return program.status in statuses and user.can(role)






def skipped_by_reason(program):
    rows = (Message.select(Message.reason, fn.COUNT(Message.id))
            .where((Message.program == program) & (Message.status == "skipped"))
            .group_by(Message.reason).tuples())
    return sorted(rows, key=lambda row: -row[1])


def labels(program=None, channel=None):
    """The label tables every program template may use; "sent" in the program's channel's words
    (pass `channel` when it is at hand)."""
    channel = channel or (channel_of(program) if program is not None else None)
    message_labels = MESSAGE_STATUS_LABELS
    if channel is not None and channel.sent_label:
        message_labels = {**MESSAGE_STATUS_LABELS, "sent": channel.sent_label}
    return {"status_labels": PROGRAM_STATUS_LABELS, "message_labels": message_labels,
            "reason_labels": SKIP_REASON_LABELS, "status_badges": STATUS_BADGES, "message_badges": MESSAGE_BADGES,
            "action_labels": INBOUND_ACTION_LABELS, "reply_labels": REPLY_LABELS, "money": money, "duration": duration}


def progress_context(program):
    """What the status card shows: figures once launched, costs, why it stopped in the reader's language,
    and the buttons this user may use."""
    launched = program.status not in ("draft", "ready")
    channel = channel_of(program)
    # A launch still writing the audience polls too, whatever the status, so the card sees it finish.
    live = program.status in LIVE_STATUSES or program.launching
    return {"program": program, "currency": program.campaign.currency, "channel": channel,
            "figures": progress(program) if launched else None, "live": live,
            "error": shown_error(program.error) if program.error else "",
            "skipped": skipped_by_reason(program) if launched else [],
            "actual": actual_cost(program) if launched else None,
            "units": spent_units(program) if launched else 0, "schedule": schedule_text(program),
            "actions": [action for action in ACTIONS if allowed(program, action)], **labels(program, channel)}


def schedule_text(program):
    """When it sends, in the campaign's time zone: "Mar 21, 2025, 9:00 AM (Asia/Tehran)"."""
    zone = program.campaign.time_zone
    if program.schedule_kind == "at" and program.scheduled_at:
        return _("%(when)s (%(zone)s)", when=format_when(to_local(program.scheduled_at, zone)), zone=zone)
    if program.schedule_kind == "window" and program.window_start:
        names = get_day_names("abbreviated", locale=current_language())
        days = _(", ").join(str(names[int(day)]) for day in program.window_days or "0123456")
        hours = f"{program.window_start}–{program.window_end}"
        return _("%(hours)s on %(days)s (%(zone)s)", hours=persian_digits(hours) if current_language() == "fa"
                 else hours, days=days, zone=zone)
    return ""


def audience_parts(program):
    """{"include": [Segment], "exclude": [Segment], "contacts": n} for the audience card."""
    audience = program.audience
    wanted = [*audience.get("include", []), *audience.get("exclude", [])]
    found = {s.id: s for s in Segment.select(Segment.id, Segment.name, Segment.cached_count)
             .where(Segment.id.in_(wanted or [0]))}
    return {key: [found[i] for i in audience.get(key, []) if i in found] for key in ("include", "exclude")} | {
        "contacts": len(audience.get("contacts", [])), "missing": len(set(wanted) - set(found))}


def content_summary(program, channel):
    """[(label, first lines, more)] for each field of the default variant, and the other languages."""
    variants = program.variants
    default = variants.get("") or {}
    fields = [(f.name, f.label) for f in channel.content_fields] if channel else [(k, k) for k in default]
    summary = []
    for name, label in fields:
        text = str(default.get(name) or "")
        lines = text.strip().splitlines()
        shown = "\n".join(lines[:SUMMARY_LINES])[:SUMMARY_CHARS]
        summary.append((label, shown, len(shown) < len(text.strip())))
    return summary, sorted(language_name(language) for language in variants if language)


def language_name(code):
    """"fa" as "Persian" (or "فارسی" for a Persian reader); the code itself when Babel does not know it."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(current_language()) or code
    except (ValueError, UnknownLocaleError):
        return code


@blueprint.route("/programs/<id:program_id>")
@require_role("viewer")
def program_show(program_id):
    program = program_or_404(program_id)
    channel = channel_of(program)
    contents, languages = content_summary(program, channel)
    context = progress_context(program)
    if program.status in ("draft", "ready") and request.args.get("estimate"):
        context.update(estimate_context(program, channel))
    return render("webui/programs/show.html", campaign=program.campaign,
                  schedule_labels=SCHEDULE_LABELS, consent_labels=CONSENT_POLICY_LABELS,
                  audience=audience_parts(program), contents=contents, languages=languages,
                  edit_url=endpoint_url("webui.program_edit", program_id=program.id)
                  if current_user.can("manager" if program.content_locked else "marketer") else None,
                  preview_url=endpoint_url("webui.program_preview", program_id=program.id)
                  if current_user.can("marketer") else None,
                  campaign_url=endpoint_url("webui.campaign_show", campaign_id=program.campaign_id),
                  plugin_actions=plugin_actions(program), **context)


def plugin_actions(program):
    """The links plugins add to this program's buttons (program_actions), for this user's role."""
    user = current_user._get_current_object()
    items = [item for item in call_hook_flat("program_actions", program=program, user=user)
             if user.role in item.roles]
    return sorted(items, key=lambda item: item.order)


@blueprint.route("/programs/<id:program_id>/progress")
@require_role("viewer")
def program_progress(program_id):
    """The status card alone, for htmx's polling (it stops polling once the program is final)."""
    program = program_or_404(program_id)
    return render("webui/programs/_progress.html", **progress_context(program))


def estimate_context(program, channel):
    """Who would be sent to now and what it would cost; {} when the channel is not installed."""
    if channel is None:
        return {"estimate": None, "estimated": True}
    counts = audience_summary(program, channel)
    return {"estimate": estimate(program, channel, recipients=counts["queued"]), "estimated": True,
            "would_skip": sorted(counts["skipped"].items(), key=lambda row: -row[1]),
            "cost_unit_label": channel.cost_unit_label, "currency": program.campaign.currency}


@blueprint.route("/programs/<id:program_id>/estimate")
@require_role("viewer")
def program_estimate(program_id):
    """The estimate card, which htmx loads after the page; a plain visit gets the whole page with it."""
    program = program_or_404(program_id)
    if not request.headers.get("HX-Request"):
        return redirect(url_for("webui.program_show", program_id=program.id, estimate=1))
    channel = channel_of(program)
    return render("webui/programs/show_estimate.html", program=program,
                  **estimate_context(program, channel), **labels(program, channel))


from . import program_actions, program_messages  # noqa: E402,F401 - attach their routes
