"""/api/v1/programs and /api/v1/campaigns/<id>/programs: compose, change and delete programs.

Every write goes through chapar.programs.save_program (the web UI's rules: content checked with
the line of each merge-tag mistake, the audience's segments must exist, content locked once
launched). Roles: viewers read; marketers create and change programs that are not launched yet; a
launched program's name, throttle and costs are a manager's to change, as are deleting, launching,
resuming and cancelling (program_actions.py).
"""
from flask import g, url_for
from flask_smorest import Blueprint

from ..access import require_role
from ..errors import ValidationFailed
from ..models import Campaign, Program
from ..programs import ProgramBusy, ProgramLocked, delete_program, save_program
from .auth import check_role
from .campaign_schemas import conflict, field_messages
from .contact_schemas import LOCATION_HEADER, abort_invalid, get_or_404
from .pagination import PAGE_HEADERS, page_of, paginate
from .program_schemas import (EDITABLE_WHEN_LOCKED, AllProgramsArgsSchema, ProgramCreateSchema, ProgramDetailSchema,
                              ProgramListArgsSchema, ProgramSchema, ProgramUpdateSchema)

blp = Blueprint("programs", __name__, url_prefix="", description="Programs: one channel, audience and schedule each")

_RENAMED = {"content_item": "content_item_id"}


def program_or_404(program_id):
    return get_or_404(Program, program_id, "program")


def _filtered(query, args):
    """The list arguments applied to a query over programs, each read with its campaign (whose time
    zone scheduled_local needs) in the same query."""
    query = query.select_extend(Campaign).join(Campaign)
    if "status" in args:
        query = query.where(Program.status == args["status"])
    if args.get("channel"):
        query = query.where(Program.channel == args["channel"])
    return query.order_by(Program.id.desc())


def _save(data, campaign=None, program=None):
    data = dict(data)
    if "content_item_id" in data:
        data["content_item"] = data.pop("content_item_id")
    try:
        return save_program(data, campaign=campaign, program=program, actor=g.api_user, via="api")
    except ProgramLocked:
        conflict("program_locked", f"This program is {program.status}: its content, channel, audience and "
                 f"schedule can no longer change; only {', '.join(EDITABLE_WHEN_LOCKED)} can.",
                 {"status": program.status, "editable": list(EDITABLE_WHEN_LOCKED)})
    except ValidationFailed as exc:
        abort_invalid(field_messages(exc.errors, _RENAMED))


@blp.route("/programs", methods=["GET"])
@require_role("viewer")
@blp.arguments(AllProgramsArgsSchema, location="query")
@blp.response(200, page_of(ProgramSchema), headers=PAGE_HEADERS)
def list_programs(args):
    """List programs of every campaign

    Newest first; filter by `status`, `channel` and `campaign` (an id).
    """
    query = Program.select()
    if "campaign" in args:
        query = query.where(Program.campaign == args["campaign"])
    return paginate(_filtered(query, args), args)


@blp.route("/campaigns/<id:campaign_id>/programs", methods=["GET"])
@require_role("viewer")
@blp.arguments(ProgramListArgsSchema, location="query")
@blp.response(200, page_of(ProgramSchema), headers=PAGE_HEADERS)
def list_campaign_programs(args, campaign_id):
    """List a campaign's programs

    Newest first; filter by `status` and `channel`.
    """
    campaign = get_or_404(Campaign, campaign_id, "campaign")
    return paginate(_filtered(Program.select().where(Program.campaign == campaign), args), args)


@blp.route("/campaigns/<id:campaign_id>/programs", methods=["POST"])
@require_role("marketer")
@blp.arguments(ProgramCreateSchema)
@blp.response(201, ProgramDetailSchema, headers=LOCATION_HEADER)
def create_program(data, campaign_id):
    """Create a program in a campaign

    `name` and `channel` are required. The program is `ready` once it has content (a `""`
    variant) and an audience (an included segment or hand-picked contacts), `draft` until then.
    Content mistakes answer 422 with each one under `variants.<language or default>.<field>`, with
    the line of a merge-tag mistake.
    """
    campaign = get_or_404(Campaign, campaign_id, "campaign")
    program = _save(data, campaign=campaign)
    return program, {"Location": url_for("programs.get_program", program_id=program.id)}


@blp.route("/programs/<id:program_id>", methods=["GET"])
@require_role("viewer")
@blp.response(200, ProgramDetailSchema)
def get_program(program_id):
    """Get a program"""
    return program_or_404(program_id)


@blp.route("/programs/<id:program_id>", methods=["PATCH"])
@require_role("marketer")
@blp.arguments(ProgramUpdateSchema)
@blp.response(200, ProgramDetailSchema)
def update_program(data, program_id):
    """Change a program

    Only the fields sent change. Once launched, changing anything but name, throttle_per_minute,
    cost_per_unit and fixed_cost is refused with 409 `program_locked`, and what may change needs
    a manager's token.
    """
    program = program_or_404(program_id)
    if program.content_locked:
        check_role("manager", "Changing a launched program needs the manager role.")
    return _save(data, program=program)


@blp.route("/programs/<id:program_id>", methods=["DELETE"])
@require_role("manager")
@blp.response(204)
def remove_program(program_id):
    """Delete a program

    With its messages. Refused with 409 `program_busy` while it is scheduled, sending or paused:
    cancel it first.
    """
    program = program_or_404(program_id)
    try:
        delete_program(program, actor=g.api_user, via="api")
    except ProgramBusy:
        conflict("program_busy", f"This program is {program.status}; cancel it before deleting it.",
                 {"status": program.status})
