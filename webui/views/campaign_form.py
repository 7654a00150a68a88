"""Creating, editing and deleting a campaign (managers). chapar.campaigns checks every value;
this module turns its error codes into sentences and re-shows the form with what was typed."""
from decimal import Decimal

from chapar.access import require_role
from chapar.campaigns import CampaignBusy, busy_programs, delete_campaign, save_campaign, tags_of
from chapar.errors import ValidationFailed
from chapar.i18n import current_language
from chapar.models import CAMPAIGN_STATUSES, OBJECTIVE_METRICS, Message, Program
from chapar.programs.labels import CAMPAIGN_STATUS_LABELS, OBJECTIVE_LABELS
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import blueprint
from .campaigns import campaign_or_404, page_context
from .contacts_form import owner_options, split_tags, time_zone_options
from .render import render

FIELDS = ("name", "description", "status", "owner", "starts_on", "ends_on", "objective_metric",
          "objective_target", "objective_deadline", "budget", "currency", "time_zone", "tags")
MESSAGES = {
    "required": _l("Give the campaign a name."),
    "not_a_number": _l("Enter a number, such as 1500 or 1500.50."),
    "out_of_range": _l("Enter an amount of zero or more."),
    "invalid_date": _l("Enter a date as YYYY-MM-DD."),
    "ends_before_start": _l("The end date cannot be before the start date."),
    "invalid_currency": _l("Enter a three-letter currency code such as USD, EUR or IRR."),
    "invalid_time_zone": _l("Choose a time zone from the list."),
    "invalid_choice": _l("Choose one of the options."),
    "unknown_user": _l("Choose one of the users."),
}
TOO_LONG = {"name": _l("Use at most 200 characters."), "tags": _l("A tag may have at most 64 characters.")}
# What a new campaign starts with in each language: the currency and clock most readers use.
LANGUAGE_DEFAULTS = {"fa": {"currency": "IRR", "time_zone": "Asia/Tehran"}}


def _as_input(value):
    """A stored value as its input shows it: 1500.00 reads 1500, a date 2025-03-01."""
    if value is None:
        return ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value)


def initial_values(campaign):
    if campaign is None:
        return {"status": "planned", "owner": str(current_user.id), "objective_metric": "delivered",
                "budget": "", "currency": "USD", "time_zone": "UTC",
                **LANGUAGE_DEFAULTS.get(current_language(), {})}
    values = {name: _as_input(getattr(campaign, name)) for name in FIELDS if name not in ("owner", "tags")}
    values.update(owner=str(campaign.owner_id or ""), tags=", ".join(tags_of(campaign)))
    return values


def submitted_values():
    return {name: request.form.get(name, "").strip() for name in FIELDS}


def error_messages(failed):
    """{input name: sentence} for chapar.campaigns' FieldErrors."""
    return {name: str(TOO_LONG[name] if error.code == "too_long" else MESSAGES.get(error.code, error.message))
            for name, error in failed.errors.items()}


def choices(values):
    """The options of each select, keeping a value the lists no longer offer (a retired time zone)."""
    return {"status": [(s, CAMPAIGN_STATUS_LABELS[s]) for s in CAMPAIGN_STATUSES],
            "objective_metric": [(m, OBJECTIVE_LABELS[m]) for m in OBJECTIVE_METRICS],
            "owner": owner_options(), "time_zone": time_zone_options(values.get("time_zone"))[1:]}


def form_page(campaign, values, errors):
    return render("webui/campaigns/form.html", status=422 if errors else 200, **page_context(
        campaign=campaign, values=values, errors=errors, choices=choices(values)))


def submit(campaign):
    values = submitted_values()
    data = {**values, "tags": split_tags(values["tags"])}
    try:
        saved = save_campaign(data, campaign=campaign, actor=current_user._get_current_object())
    except ValidationFailed as failed:
        return form_page(campaign, values, error_messages(failed))
    flash(_("Saved the campaign %(name)s.", name=saved.name), "ok")
    return redirect(url_for("webui.campaign_show", campaign_id=saved.id))


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
@require_role("manager")
def campaign_new():
    if request.method == "POST":
        return submit(None)
    return form_page(None, initial_values(None), {})


@blueprint.route("/campaigns/<id:campaign_id>/edit", methods=["GET", "POST"])
@require_role("manager")
def campaign_edit(campaign_id):
    campaign = campaign_or_404(campaign_id)
    if request.method == "POST":
        return submit(campaign)
    return form_page(campaign, initial_values(campaign), {})


def confirm_page(campaign, status=200):
    programs = Program.select(Program.id).where(Program.campaign == campaign)
    return render("webui/campaigns/delete_confirm.html", status=status, **page_context(
        campaign=campaign, busy=list(busy_programs(campaign)), program_count=programs.count(),
        message_count=Message.select().where(Message.program.in_(programs)).count()))


@blueprint.route("/campaigns/<id:campaign_id>/delete", methods=["GET", "POST"])
@require_role("manager")
def campaign_delete(campaign_id):
    """GET asks first (and says why not, while a program is sending); POST deletes."""
    campaign = campaign_or_404(campaign_id)
    if request.method == "GET":
        return confirm_page(campaign)
    try:
        delete_campaign(campaign, actor=current_user._get_current_object())
    except CampaignBusy:
        return confirm_page(campaign, status=409)
    flash(_("Deleted the campaign %(name)s with its programs.", name=campaign.name), "ok")
    return redirect(url_for("webui.campaigns"))
