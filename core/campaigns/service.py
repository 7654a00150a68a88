"""Creating, updating and deleting campaigns: the one path the UI and the API share."""
import zoneinfo
from datetime import date
from decimal import Decimal, InvalidOperation

from ..audit import record
from ..db import db
from ..errors import FieldError, ValidationFailed
from ..i18n import latin_number
from ..models import CAMPAIGN_STATUSES, OBJECTIVE_METRICS, Campaign, CampaignTag, Program, Tag, User, utcnow

EDITABLE = ("name", "description", "objective_metric", "objective_target", "objective_deadline", "starts_on",
            "ends_on", "budget", "currency", "time_zone", "owner", "status", "tags")
MAX_MONEY = Decimal("99999999999999.99")


class CampaignBusy(ValueError):
    """The campaign has a program that is sending (or paused mid-send): it cannot be deleted."""


def _money(name, value, required=False):
    if value in (None, ""):
        if required:
            raise FieldError(name, "required", f"{name} is required")
        return None
    try:
        amount = Decimal(latin_number(value))
    except (InvalidOperation, ValueError):
        raise FieldError(name, "not_a_number", f"{name} must be a number") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise FieldError(name, "out_of_range", f"{name} must be between 0 and {MAX_MONEY}")
    return amount.quantize(Decimal("0.01"))


def _date(name, value):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldError(name, "invalid_date", f"{name} must be a date (YYYY-MM-DD)") from None


def _choice(name, value, choices):
    if value not in choices:
        raise FieldError(name, "invalid_choice", f"{name} must be one of {', '.join(choices)}")
    return value


def _clean_one(name, value):
    if name == "name":
        text = (value or "").strip()
        if not text:
            raise FieldError(name, "required", "name is required")
        if len(text) > 200:
            raise FieldError(name, "too_long", "name: at most 200 characters")
        return text
    if name == "description":
        return (value or "").strip()
    if name == "objective_metric":
        return _choice(name, value, OBJECTIVE_METRICS)
    if name in ("objective_target", "budget"):
        return _money(name, value) if name == "objective_target" else (_money(name, value) or Decimal("0"))
    if name in ("objective_deadline", "starts_on", "ends_on"):
        return _date(name, value)
    if name == "currency":
        code = (value or "").strip().upper()
        if len(code) != 3 or not code.isalpha() or not code.isascii():
            raise FieldError(name, "invalid_currency", "currency must be a three-letter code such as USD or IRR")
        return code
    if name == "time_zone":
        zone = (value or "").strip() or "UTC"
        if zone not in zoneinfo.available_timezones():
            raise FieldError(name, "invalid_time_zone", f"unknown time zone {zone!r}")
        return zone
    if name == "status":
        return _choice(name, value, CAMPAIGN_STATUSES)
    if name == "owner":
        if value in (None, ""):
            return None
        owner = User.get_or_none(User.id == value) if str(value).isdigit() else None
        if owner is None:
            raise FieldError(name, "unknown_user", "owner must be an existing user")
        return owner
    if name == "tags":
        names = [str(t).strip() for t in (value or []) if str(t).strip()]
        if any(len(t) > 64 for t in names):
            raise FieldError(name, "too_long", "tags: at most 64 characters each")
        return list(dict.fromkeys(names))
    raise FieldError(name, "unknown_field", f"unknown field {name!r}")


def clean_campaign_data(data, campaign=None):
    """Validate every field at once; raises ValidationFailed naming each wrong one."""
    values, errors = {}, {}
    for name, value in data.items():
        try:
            values[name] = _clean_one(name, value)
        except FieldError as exc:
            errors[name] = exc
    starts = values.get("starts_on", campaign.starts_on if campaign else None)
    ends = values.get("ends_on", campaign.ends_on if campaign else None)
    if starts and ends and ends < starts and "ends_on" not in errors:
        errors["ends_on"] = FieldError("ends_on", "ends_before_start", "ends_on must not be before starts_on")
    if campaign is None and "name" not in data and "name" not in errors:
        errors["name"] = FieldError("name", "required", "name is required")
    if errors:
        raise ValidationFailed(errors)
    return values


def _set_tags(campaign, names):
    CampaignTag.delete().where(CampaignTag.campaign == campaign).execute()
    for name in names:
        tag = Tag.get_or_none(Tag.name == name) or Tag.create(name=name)
        CampaignTag.insert(campaign=campaign, tag=tag).on_conflict_ignore().execute()


def tags_of(campaign):
    return [link.tag.name for link in CampaignTag.select(CampaignTag, Tag).join(Tag)
            .where(CampaignTag.campaign == campaign).order_by(Tag.name)]


def save_campaign(data, campaign=None, actor=None, via="web"):
    """Create (campaign=None) or update a campaign from `data`; returns it."""
    values = clean_campaign_data(data, campaign)
    tags = values.pop("tags", None)
    with db.atomic():
        if campaign is None:
            values.setdefault("owner", actor)
            campaign = Campaign.create(**values)
            action = "campaign.created"
        else:
            for name, value in values.items():
                setattr(campaign, name, value)
            campaign.updated_at = utcnow()
            campaign.save()
            action = "campaign.updated"
        if tags is not None:
            _set_tags(campaign, tags)
        record(action, actor, f"campaign #{campaign.id}", name=campaign.name, via=via)
    return campaign


def busy_programs(campaign):
    """The campaign's programs in the middle of a send (sending or paused): they block deleting it."""
    return Program.select().where((Program.campaign == campaign) & Program.status.in_(("sending", "paused")))


def delete_campaign(campaign, actor=None, via="web"):
    """Delete a campaign with its programs and their messages; refused while one is sending."""
    if busy_programs(campaign).exists():
        raise CampaignBusy(campaign.id)
    with db.atomic():
        record("campaign.deleted", actor, f"campaign #{campaign.id}", name=campaign.name, via=via)
        campaign.delete_instance()
