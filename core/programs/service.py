"""Creating and editing programs: the one path the UI and the API share.

A program is "draft" until its content and audience are complete, then "ready"; launching and
the rest of the lifecycle live in lifecycle.py. Content is locked once a program is launched.
"""
import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ..audit import record
from ..channels import UnknownChannel, get_channel
from ..db import db
from ..errors import FieldError, ValidationFailed
from ..i18n import latin_number
from ..models import CONSENT_POLICIES, SCHEDULE_KINDS, ContentItem, Program, Segment, utcnow
from .content import clean_variants
from .schedule import parse_hhmm, to_local, to_utc

CONTENT_FIELDS = ("channel", "provider", "variants", "content_item")
EDITABLE = ("name", "channel", "provider", "variants", "content_item", "audience", "consent_policy",
            "schedule_kind", "scheduled_at", "window_start", "window_end", "window_days", "throttle_per_minute",
            "cost_per_unit", "fixed_cost", "tracking")
MAX_PICKED = 10_000


class ProgramLocked(ValueError):
    """The program has been launched: its content, channel and audience can no longer change."""


class ProgramBusy(ValueError):
    """The program is sending (or paused mid-send): it cannot be deleted."""


def _fail(name, code, message):
    raise FieldError(name, code, message)


def _decimal(name, value, places):
    if value in (None, ""):
        return Decimal(0)
    try:
        amount = Decimal(latin_number(value))
    except (InvalidOperation, ValueError):
        _fail(name, "not_a_number", f"{name} must be a number")
    if not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** 12:
        _fail(name, "out_of_range", f"{name} must be between 0 and 999999999999")
    return amount.quantize(Decimal(1).scaleb(-places))


def _ids(name, value):
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        _fail(name, "not_a_list", f"{name} must be a list of ids")
    try:
        ids = list(dict.fromkeys(int(v) for v in value))
    except (TypeError, ValueError):
        _fail(name, "not_an_id", f"{name} must hold whole-number ids")
    if any(i <= 0 or i >= 2 ** 63 for i in ids):
        _fail(name, "not_an_id", f"{name} must hold positive ids")
    return ids


def _audience(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            _fail("audience", "invalid", "audience must be a JSON object")
    if not isinstance(value, dict) or set(value) - {"include", "exclude", "contacts"}:
        _fail("audience", "invalid", "audience takes include, exclude (segment ids) and contacts (contact ids)")
    audience = {key: _ids(f"audience.{key}", value.get(key)) for key in ("include", "exclude", "contacts")}
    if len(audience["contacts"]) > MAX_PICKED:
        _fail("audience.contacts", "too_many", f"at most {MAX_PICKED} hand-picked contacts; use a segment")
    segments = set(audience["include"]) | set(audience["exclude"])
    found = {s.id for s in Segment.select(Segment.id).where(Segment.id.in_(list(segments) or [0]))}
    if segments - found:
        _fail("audience", "unknown_segment", f"no segment with id {min(segments - found)}")
    return audience


def _scheduled_at(value, zone_name):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            _fail("scheduled_at", "invalid_datetime", "scheduled_at must be a date and time (YYYY-MM-DDTHH:MM)")
    return to_utc(moment, zone_name)  # naive values are wall-clock time in the campaign's zone


def _clean_one(name, value, campaign):
    if name == "name":
        text = (value or "").strip()
        if not text:
            _fail(name, "required", "name is required")
        if len(text) > 200:
            _fail(name, "too_long", "name: at most 200 characters")
        return text
    if name == "channel":
        try:
            return get_channel(value).identifier
        except UnknownChannel:
            _fail(name, "unknown_channel", f"no installed channel {value!r}")
    if name == "provider":
        return (value or "").strip()[:60]
    if name == "audience":
        return _audience(value)
    if name == "consent_policy":
        if value not in CONSENT_POLICIES:
            _fail(name, "invalid_choice", f"consent_policy must be one of {', '.join(CONSENT_POLICIES)}")
        return value
    if name == "schedule_kind":
        if value not in SCHEDULE_KINDS:
            _fail(name, "invalid_choice", f"schedule_kind must be one of {', '.join(SCHEDULE_KINDS)}")
        return value
    if name == "scheduled_at":
        return _scheduled_at(value, campaign.time_zone)
    if name in ("window_start", "window_end"):
        text = (value or "").strip()
        try:
            return parse_hhmm(text).strftime("%H:%M") if text else ""
        except ValueError:
            _fail(name, "invalid_time", f"{name} must be a time such as 08:30")
    if name == "window_days":
        days = "".join(sorted(set(str(value or ""))))
        if not days or not set(days) <= set("0123456"):
            _fail(name, "invalid_days", "window_days must list weekdays as digits, Monday = 0")
        return days
    if name == "throttle_per_minute":
        if value in (None, "", 0, "0"):
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            _fail(name, "not_a_number", "throttle_per_minute must be a whole number")
        if not 1 <= number <= 10_000_000:
            _fail(name, "out_of_range", "throttle_per_minute must be between 1 and 10000000")
        return number
    if name == "cost_per_unit":
        return _decimal(name, value, 4)
    if name == "fixed_cost":
        return _decimal(name, value, 2)
    if name == "tracking":
        return value in (True, "1", "on", "true", 1)
    if name == "content_item":
        if value in (None, ""):
            return None
        item = ContentItem.get_or_none(ContentItem.id == value) if str(value).isdigit() else None
        if item is None:
            _fail(name, "unknown_content", "no such content in the library")
        return item
    _fail(name, "unknown_field", f"unknown field {name!r}")


def clean_program_data(data, campaign, program=None):
    """Validate every field at once; returns values, raising ValidationFailed naming each wrong one.

    `variants` are checked against the channel (the new one, or the program's): field values,
    lengths, and merge-tag syntax and names with their line.
    """
    values, errors = {}, {}
    for name, value in data.items():
        if name == "variants":
            continue
        try:
            values[name] = _clean_one(name, value, campaign)
        except FieldError as exc:
            errors[name] = exc
    channel_id = values.get("channel", program.channel if program else None)
    if program is None and "channel" not in data and "channel" not in errors:
        errors["channel"] = FieldError("channel", "required", "channel is required")
    if program is None and "name" not in data:
        errors["name"] = FieldError("name", "required", "name is required")
    variants = data.get("variants")
    if variants is None and "content_item" in values and values["content_item"] is not None:
        variants = values["content_item"].variants  # copy the library content in
    if variants is not None and channel_id and "channel" not in errors:
        clean, problems = clean_variants(get_channel(channel_id), variants)
        if problems:
            for key, messages in problems.items():
                errors[f"variants.{key}"] = FieldError(f"variants.{key}", "invalid_content", "; ".join(messages))
        values["variants"] = clean
    kind = values.get("schedule_kind", program.schedule_kind if program else "now")
    if kind == "at" and not values.get("scheduled_at", program.scheduled_at if program else None) \
            and "scheduled_at" not in errors:
        errors["scheduled_at"] = FieldError("scheduled_at", "required", "a date and time is required")
    if kind == "at" and values.get("scheduled_at") and values["scheduled_at"] <= utcnow():
        errors["scheduled_at"] = FieldError("scheduled_at", "in_the_past", "the scheduled time is in the past")
    if kind == "window":
        for name in ("window_start", "window_end"):
            if not values.get(name, getattr(program, name, "") if program else "") and name not in errors:
                errors[name] = FieldError(name, "required", f"{name} is required for a sending window")
    if errors:
        raise ValidationFailed(errors)
    return values


def is_complete(program):
    """Content for the channel and someone to send to: the program may be launched."""
    audience = program.audience
    return bool(program.variants.get("") is not None and program.variants
                and (audience.get("include") or audience.get("contacts")))


def save_program(data, campaign=None, program=None, actor=None, via="web"):
    """Create a program in `campaign`, or update `program`; returns it. Refuses content changes
    (ProgramLocked) once launched; name, throttle and costs stay editable."""
    if program is not None:
        campaign = program.campaign
        locked = set(data) - {"name", "throttle_per_minute", "cost_per_unit", "fixed_cost"}
        if program.content_locked and locked:
            raise ProgramLocked(program.id)
    values = clean_program_data(data, campaign, program)
    if "channel" in values and program is not None and values["channel"] != program.channel \
            and "variants" not in values:
        values["variants"] = {}  # another channel's fields mean nothing to this one
    with db.atomic():
        if program is None:
            program = Program(campaign=campaign, created_by=actor)
            action = "program.created"
        else:
            action = "program.updated"
        for name, value in values.items():
            if name == "variants":
                program.variants_json = json.dumps(value, ensure_ascii=False)
            elif name == "audience":
                program.audience_json = json.dumps(value)
            else:
                setattr(program, name, value)
        if not program.content_locked:
            program.status = "ready" if is_complete(program) else "draft"
        program.updated_at = utcnow()
        # An existing program writes only what this save set: status, launching, size and cost
        # belong to the launch and the workers, which may have moved them on since it was read.
        program.save(only=program.dirty_fields if program.id else None)
        record(action, actor, f"program #{program.id}", name=program.name, via=via)
    return program


def delete_program(program, actor=None, via="web"):
    if program.status in ("sending", "paused", "scheduled"):
        raise ProgramBusy(program.id)
    with db.atomic():
        record("program.deleted", actor, f"program #{program.id}", name=program.name, via=via)
        program.delete_instance()


def scheduled_local(program):
    """The program's scheduled time as wall-clock time in its campaign's zone (for forms)."""
    return to_local(program.scheduled_at, program.campaign.time_zone)
