"""Campaigns in the web UI: the list with its filters, and a campaign's page.

Everyone may read them; managers create, edit and delete (campaign_form.py), the month calendar
is campaign_calendar.py and the page's timeline campaign_timeline.py (docs/roles.md).
"""
from dataclasses import dataclass
from decimal import Decimal

from chapar.access import require_role
from chapar.channels import channels
from chapar.i18n import format_when
from chapar.models import CAMPAIGN_STATUSES, Campaign, CampaignTag, Program, Tag, User, utcnow
from chapar.programs import actual_cost, objective_value, spend_by_campaign
from chapar.programs.labels import CAMPAIGN_STATUS_LABELS, OBJECTIVE_LABELS, PROGRAM_STATUS_LABELS
from chapar.programs.schedule import to_local
from flask import abort, request
from flask_login import current_user
from peewee import JOIN

from . import blueprint
from .campaign_timeline import timeline
from .contacts_form import owner_options
from .figures import money, percent
from .render import endpoint_url, paginate, render
from .shell import format_number

PAGE_SIZE = 25
STATUS_BADGES = {"planned": "muted", "active": "ok", "finished": "", "archived": "muted",
                 "draft": "muted", "ready": "", "scheduled": "", "sending": "ok", "paused": "warn",
                 "sent": "ok", "cancelled": "muted", "failed": "error"}


def campaign_or_404(campaign_id):
    return Campaign.get_or_none(Campaign.id == campaign_id) or abort(404)










def local_when(moment, zone):
    """Naive UTC `moment` as the campaign's wall-clock time, for reading."""
    return format_when(to_local(moment, zone)) if moment else ""


@dataclass(frozen=True)
class Objective:
    """How far a campaign is toward its objective, for display."""

    label: str
    value: Decimal
    target: Decimal | None
    deadline: object

    @property
    def percent(self):
        """Uncapped (120 means the target was beaten by a fifth); None without a target."""
        return float(self.value / self.target * 100) if self.target else None

    @property
    def bar(self):
        return min(self.percent or 0, 100)


def objective_of(campaign):
    target = Decimal(campaign.objective_target) if campaign.objective_target else None
    return Objective(OBJECTIVE_LABELS.get(campaign.objective_metric, campaign.objective_metric),
                     objective_value(campaign), target, campaign.objective_deadline)


def objective_amount(campaign, value):
    """The objective's unit: money for revenue, a count for the rest."""
    return money(value, campaign.currency) if campaign.objective_metric == "revenue" else format_number(value)


def tags_by_campaign(campaign_ids):
    """{campaign id: [tag names]} for a page of campaigns, in one query."""
    found = {}
    query = (CampaignTag.select(CampaignTag.campaign, Tag.name).join(Tag)
             .where(CampaignTag.campaign.in_(campaign_ids or [0])).order_by(Tag.name).tuples())
    for campaign_id, name in query:
        found.setdefault(campaign_id, []).append(name)
    return found


def page_context(**context):
    """What every campaign template may use."""
    return {"money": money, "percent": percent, "objective_amount": objective_amount, "status_badges": STATUS_BADGES,
            "campaign_status_labels": CAMPAIGN_STATUS_LABELS, "program_status_labels": PROGRAM_STATUS_LABELS,
            "can_manage": current_user.can("manager"), "can_program": current_user.can("marketer"),
            "local_when": local_when, **context}


def list_filters():
    """The list's filters as given, with values it cannot use dropped (an unknown status is "any")."""
    args = request.args
    status = args.get("status", "")
    owner = args.get("owner", "")
    return {"status": status if status in CAMPAIGN_STATUSES else "",
            "owner": owner if owner.isdigit() else "", "tag": args.get("tag", "").strip()[:64],
            "q": args.get("q", "").strip()[:200]}


def filtered(filters):
    query = (Campaign.select(Campaign, User).join(User, JOIN.LEFT_OUTER, on=(Campaign.owner == User.id))
             .order_by(Campaign.created_at.desc(), Campaign.id.desc()))
    if filters["status"]:
        query = query.where(Campaign.status == filters["status"])
    if filters["owner"]:
        query = query.where(Campaign.owner == int(filters["owner"]))
    if filters["tag"]:
        tagged = CampaignTag.select(CampaignTag.campaign).join(Tag).where(Tag.name == filters["tag"])
        query = query.where(Campaign.id.in_(tagged))
    if filters["q"]:
        query = query.where(Campaign.name.contains(filters["q"]))
    return query


def campaign_tag_names():
    """The tags some campaign carries, as (value, label) options."""
    return [(name, name) for (name,) in Tag.select(Tag.name).join(CampaignTag).distinct().order_by(Tag.name).tuples()]


@blueprint.route("/campaigns")
@require_role("viewer")
def campaigns():
    filters = list_filters()
    page = paginate(filtered(filters), per_page=PAGE_SIZE)
    ids = [campaign.id for campaign in page.items]
    return render("webui/campaigns/list.html", **page_context(
        page=page, filters=filters, spend=spend_by_campaign(ids), tags=tags_by_campaign(ids),
        objectives={campaign.id: objective_of(campaign) for campaign in page.items},
        any_campaign=bool(ids) or Campaign.select().exists(), owners=owner_options()[1:],
        tag_names=campaign_tag_names(), statuses=[(s, CAMPAIGN_STATUS_LABELS[s]) for s in CAMPAIGN_STATUSES]))


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    channel_label: str
    when: object  # naive UTC: when it started, else when it is scheduled
    started: bool
    actual: Decimal
    url: str | None


def program_rows(campaign):
    installed = channels()
    rows = []
    for program in Program.select().where(Program.campaign == campaign).order_by(Program.created_at, Program.id):
        channel = installed.get(program.channel)
        rows.append(ProgramRow(program, channel.label if channel else program.channel,
                               program.started_at or program.scheduled_at, program.started_at is not None,
                               actual_cost(program),
                               endpoint_url("webui.program_show", campaign_id=campaign.id, program_id=program.id)))
    return rows


@dataclass(frozen=True)
class Budget:
    budget: Decimal
    spent: Decimal

    @property
    def over(self):
        return self.spent > self.budget

    @property
    def left(self):
        return abs(self.budget - self.spent)

    def widths(self):
        """(spent, budget) as percentages of the bar, whose full length is the larger of the two."""
        scale = max(self.budget, self.spent) or Decimal(1)
        return float(self.spent / scale * 100), float(self.budget / scale * 100)


@blueprint.route("/campaigns/<id:campaign_id>")
@require_role("viewer")
def campaign_show(campaign_id):
    campaign = campaign_or_404(campaign_id)
    rows = program_rows(campaign)
    spent = sum((row.actual for row in rows), Decimal(0))
    deadline = campaign.objective_deadline
    days_left = (deadline - to_local(utcnow(), campaign.time_zone).date()).days if deadline else None
    return render("webui/campaigns/show.html", **page_context(
        campaign=campaign, rows=rows, budget=Budget(Decimal(campaign.budget or 0), spent),
        objective=objective_of(campaign), tags=tags_by_campaign([campaign.id]).get(campaign.id, []),
        timeline=timeline(campaign, rows), days_left=days_left,
        new_program_url=endpoint_url("webui.program_new", campaign_id=campaign.id)))


from . import campaign_calendar, campaign_form  # noqa: E402,F401 - attach their routes
