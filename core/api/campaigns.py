"""/api/v1/campaigns: campaigns with their objective, budget, owner, status and tags.

Every write goes through chapar.campaigns (the same rules as the web UI); this module only
translates between HTTP and those functions. Roles: viewers read, managers create, change and
delete (a campaign holds a budget). A campaign's programs are under /campaigns/<id>/programs
(programs.py).
"""
from flask import g, url_for
from flask_smorest import Blueprint

from ..access import require_role
from ..campaigns import CampaignBusy, delete_campaign, save_campaign
from ..errors import ValidationFailed
from ..models import Campaign, CampaignTag, Tag
from .campaign_schemas import (CampaignCreateSchema, CampaignDetailSchema, CampaignListArgsSchema, CampaignSchema,
                               CampaignUpdateSchema, campaign_with_extras, conflict, field_messages,
                               load_campaign_extras)
from .contact_schemas import LOCATION_HEADER, abort_invalid, get_or_404
from .pagination import PAGE_HEADERS, page_of, paginate

blp = Blueprint("campaigns", __name__, url_prefix="/campaigns", description="Campaigns: objectives and budgets")

# The API's names for the service's (the API says owner_id, as contacts do).
_RENAMED = {"owner": "owner_id"}


def campaign_or_404(campaign_id):
    return get_or_404(Campaign, campaign_id, "campaign")


def _save(data, campaign=None):
    data = dict(data)
    if "owner_id" in data:
        data["owner"] = data.pop("owner_id")
    try:
        saved = save_campaign(data, campaign=campaign, actor=g.api_user, via="api")
    except ValidationFailed as exc:
        abort_invalid(field_messages(exc.errors, _RENAMED))
    return campaign_with_extras(saved)


@blp.route("", methods=["GET"])
@require_role("viewer")
@blp.arguments(CampaignListArgsSchema, location="query")
@blp.response(200, page_of(CampaignSchema), headers=PAGE_HEADERS)
def list_campaigns(args):
    """List campaigns

    Newest first. Filters combine with AND: `status`, `owner` (a user id), `tag` (a tag name) and
    `q` (the name contains it).
    """
    query = Campaign.select()
    if "status" in args:
        query = query.where(Campaign.status == args["status"])
    if "owner" in args:
        query = query.where(Campaign.owner == args["owner"])
    if args.get("tag"):
        tagged = CampaignTag.select(CampaignTag.campaign).join(Tag).where(Tag.name == args["tag"].strip())
        query = query.where(Campaign.id.in_(tagged))
    if args.get("q"):
        query = query.where(Campaign.name.contains(args["q"].strip()))
    envelope, headers = paginate(query.order_by(Campaign.id.desc()), args)
    load_campaign_extras(envelope["items"])
    return envelope, headers


@blp.route("", methods=["POST"])
@require_role("manager")
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignDetailSchema, headers=LOCATION_HEADER)
def create_campaign(data):
    """Create a campaign

    Only `name` is required. The owner defaults to the token's user, the status to `planned`,
    the currency to USD and the time zone to UTC.
    """
    campaign = _save(data)
    return campaign, {"Location": url_for("campaigns.get_campaign", campaign_id=campaign.id)}


@blp.route("/<id:campaign_id>", methods=["GET"])
@require_role("viewer")
@blp.response(200, CampaignDetailSchema)
def get_campaign(campaign_id):
    """Get a campaign

    With its spend and its progress toward the objective.
    """
    return campaign_with_extras(campaign_or_404(campaign_id))


@blp.route("/<id:campaign_id>", methods=["PATCH"])
@require_role("manager")
@blp.arguments(CampaignUpdateSchema)
@blp.response(200, CampaignDetailSchema)
def update_campaign(data, campaign_id):
    """Change a campaign

    Only the fields sent change; `tags` replaces the campaign's tags.
    """
    return _save(data, campaign_or_404(campaign_id))


@blp.route("/<id:campaign_id>", methods=["DELETE"])
@require_role("manager")
@blp.response(204)
def remove_campaign(campaign_id):
    """Delete a campaign

    With its programs and their messages. Refused with 409 `campaign_busy` while one of its
    programs is sending or paused: cancel it first.
    """
    campaign = campaign_or_404(campaign_id)
    try:
        delete_campaign(campaign, actor=g.api_user, via="api")
    except CampaignBusy:
        conflict("campaign_busy", "A program of this campaign is sending or paused; cancel it before deleting "
                 "the campaign.")
