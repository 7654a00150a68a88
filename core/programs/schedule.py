"""When a program may send: now, at a moment in the campaign's time zone, or within a window."""
import zoneinfo
from datetime import datetime, time, timedelta, timezone


def zone(name):
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def to_utc(local, zone_name):
    """A naive wall-clock time in `zone_name` as naive UTC (how every timestamp is stored)."""
    aware = local.replace(tzinfo=zone(zone_name)) if local.tzinfo is None else local
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc, zone_name):
    """Naive UTC as a naive wall-clock time in `zone_name`, for display and forms."""
    if utc is None:
        return None
    return utc.replace(tzinfo=timezone.utc).astimezone(zone(zone_name)).replace(tzinfo=None)


def parse_hhmm(text):
    """"08:30" -> time(8, 30); ValueError for anything else."""
    hours, _, minutes = (text or "").partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def in_window(local, start, end, days):
    """Whether wall-clock `local` is inside [start, end) on an allowed weekday; a window whose
    end is before its start runs past midnight (22:00–02:00), counted on the day it opens."""
    if start == end:
        return str(local.weekday()) in days
    if start < end:
        return str(local.weekday()) in days and start <= local.time() < end
    if local.time() >= start:
        return str(local.weekday()) in days
    return local.time() < end and str((local - timedelta(days=1)).weekday()) in days


def next_open(program, zone_name, now_utc):
    """None when `program` may send at `now_utc`; otherwise the UTC moment its window opens next."""
    if program.schedule_kind != "window" or not program.window_start or not program.window_end:
        return None
    start, end = parse_hhmm(program.window_start), parse_hhmm(program.window_end)
    days = program.window_days or "0123456"
    local = to_local(now_utc, zone_name)
    if in_window(local, start, end, days):
        return None
    for offset in range(0, 8):
        candidate = datetime.combine(local.date() + timedelta(days=offset), start)
        if candidate > local and str(candidate.weekday()) in days:
            return to_utc(candidate, zone_name)
    return None  # no allowed day at all: validation refuses such a window
