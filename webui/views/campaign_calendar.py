"""The month calendar of programs: each on the day it is scheduled (or started, when sent now),
read on the clock of its campaign's time zone.

The grid is Gregorian in every language (Persian pages show Babel's Persian month and day names
and Persian digits) and its weeks start on the reader's locale's first day (Saturday in Iran).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel import Locale
from babel.core import get_global
from babel.dates import get_day_names
from chapar.access import require_role
from chapar.i18n import current_language
from chapar.models import Campaign, Program, utcnow
from chapar.programs.schedule import to_local
from flask import request, url_for
from flask_babel import format_date

from . import blueprint
from .campaigns import page_context
from .figures import localised
from .render import endpoint_url, render

FIRST_YEAR, LAST_YEAR = 1970, 2999
MARGIN = timedelta(days=1)  # no time zone is a day or more away from UTC


@dataclass
class Day:
    date: date
    in_month: bool
    today: bool
    items: list = field(default_factory=list)


@dataclass(frozen=True)
class Item:
    program: Program
    local: datetime  # wall-clock time in the campaign's zone
    url: str


def month_start(text):
    """"2025-03" -> date(2025, 3, 1); None for anything else or a year out of range."""
    try:
        start = datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None
    return start if FIRST_YEAR <= start.year <= LAST_YEAR else None


def shift(start, months):
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def placed_at(program):
    """Naive UTC: when the program is scheduled to send, else when it started or was launched."""
    scheduled = program.scheduled_at if program.schedule_kind == "at" else None
    return scheduled or program.started_at or program.launched_at


def programs_between(first, last):
    """Programs placed between two dates, give or take a day for time zones, with their campaigns."""
    low = datetime.combine(first, datetime.min.time()) - MARGIN
    high = datetime.combine(last, datetime.min.time()) + MARGIN

    def near(column):
        return column.between(low, high)

    return (Program.select(Program, Campaign).join(Campaign)
            .where(near(Program.scheduled_at) | near(Program.started_at) | near(Program.launched_at))
            .order_by(Program.id))


def locale():
    """The reader's locale with its likely territory, which decides the first day of the week."""
    language = current_language()
    return Locale.parse(get_global("likely_subtags").get(language, language))


def weeks(start, items, today):
    """The month as rows of seven Days, padded with the neighbouring months' days."""
    first_weekday = locale().first_week_day
    first = start - timedelta(days=(start.weekday() - first_weekday) % 7)
    end = shift(start, 1)
    last = end + timedelta(days=(first_weekday - end.weekday()) % 7)
    days = [Day(first + timedelta(days=n), False, False) for n in range((last - first).days)]
    for day in days:
        day.in_month, day.today = day.date.month == start.month, day.date == today
        day.items = sorted((item for item in items if item.local.date() == day.date), key=lambda item: item.local)
    return [days[n:n + 7] for n in range(0, len(days), 7)]


def today_for(campaigns):
    """Today on the one clock the calendar's campaigns share, or in UTC when they differ."""
    zones = {campaign.time_zone for campaign in campaigns}
    return to_local(utcnow(), zones.pop() if len(zones) == 1 else "UTC").date()


@blueprint.route("/campaigns/calendar")
@require_role("viewer")
def campaign_calendar():
    now = utcnow()
    start = month_start(request.args.get("month")) or now.date().replace(day=1)
    items = []
    for program in programs_between(start, shift(start, 1)):
        local = to_local(placed_at(program), program.campaign.time_zone)
        url = endpoint_url("webui.program_show", campaign_id=program.campaign_id, program_id=program.id)
        items.append(Item(program, local, url or url_for("webui.campaign_show", campaign_id=program.campaign_id)))
    today = today_for(item.program.campaign for item in items)
    names = get_day_names("abbreviated", context="stand-alone", locale=locale())
    calendar = weeks(start, items, today)
    return render("webui/campaigns/calendar.html", **page_context(
        title=localised(format_date(start, "LLLL y")), weeks=calendar,
        day_names=[names[day.date.weekday()] for day in calendar[0]],
        count=sum(1 for item in items if item.local.year == start.year and item.local.month == start.month),
        previous_url=url_for("webui.campaign_calendar", month=shift(start, -1).strftime("%Y-%m")),
        next_url=url_for("webui.campaign_calendar", month=shift(start, 1).strftime("%Y-%m")),
        this_month_url=url_for("webui.campaign_calendar") if start != now.date().replace(day=1) else None,
        localised=localised))
