"""/api/v1/programs/<id>/launch, pause, resume and cancel, and a program's figures: its cost
estimate, live progress and a preview for one contact.

The transitions are chapar.programs' guarded ones: two launches at once make one launch, the other
answers 409 with TransitionRefused's code (already_launched, empty_audience, invalid_content,
incomplete, schedule_in_past, not_sending, not_paused, not_cancellable, unknown_channel).
Roles: marketers pause (stopping is always safe) and preview; managers launch, resume and cancel
(they spend budget or end a send for good); viewers read the figures.
"""
from flask import g
from flask_smorest import Blueprint

from ..access import require_role
from ..channels import UnknownChannel, channel_settings, get_channel
from ..models import Contact
from ..programs import (TransitionRefused, actual_cost, audience_summary, cancel, estimate, launch, pause, progress,
                        resume)
from ..sending import preview
from ..templating import TemplateError
from .campaign_schemas import conflict
from .contact_schemas import abort_invalid
from .program_schemas import (EstimateSchema, LaunchResultSchema, ProgramPreviewArgsSchema, ProgramPreviewSchema,
                              ProgramSchema, ProgressSchema)
from .programs import program_or_404

blp = Blueprint("program_actions", __name__, url_prefix="/programs",
                description="Launching, pausing, resuming and cancelling programs; their cost and progress")


def _refused(exc):
    conflict(exc.code, exc.message, exc.details)


def _channel_of(program):
    try:
        return get_channel(program.channel)
    except UnknownChannel:
        conflict("unknown_channel", f"The {program.channel} channel is not installed (its plugin may have been "
                 "removed).", {"channel": program.channel})


def _transition(action, program_id):
    program = program_or_404(program_id)
    try:
        return action(program, actor=g.api_user, via="api")
    except TransitionRefused as exc:
        _refused(exc)


@blp.route("/<id:program_id>/launch", methods=["POST"])
@require_role("manager")
@blp.response(200, LaunchResultSchema)
def launch_program(program_id):
    """Launch a program

    Snapshots the audience into messages and starts sending (or schedules it, for schedule_kind
    `at`). Answers how many messages were queued and how many contacts were skipped, by reason.
    Refused with 409 and nothing queued when the program was launched already, its content has
    mistakes, its scheduled time has passed, or nobody in its audience may be sent to
    (`empty_audience`, with `details.skipped`).
    """
    program = program_or_404(program_id)
    try:
        result = launch(program, actor=g.api_user, via="api")
    except TransitionRefused as exc:
        _refused(exc)
    return {"queued": result.queued, "skipped": result.skipped, "starts_at": result.starts_at,
            "program": program_or_404(program_id)}


@blp.route("/<id:program_id>/pause", methods=["POST"])
@require_role("marketer")
@blp.response(200, ProgramSchema)
def pause_program(program_id):
    """Pause a sending program

    Workers stop taking its messages within seconds; messages already with the channel finish.
    """
    return _transition(pause, program_id)


@blp.route("/<id:program_id>/resume", methods=["POST"])
@require_role("manager")
@blp.response(200, ProgramSchema)
def resume_program(program_id):
    """Resume a paused program"""
    return _transition(resume, program_id)


@blp.route("/<id:program_id>/cancel", methods=["POST"])
@require_role("manager")
@blp.response(200, ProgramSchema)
def cancel_program(program_id):
    """Cancel a program

    For good: its queued messages become `cancelled`; those already with the channel finish.
    Works on scheduled, sending and paused programs.
    """
    return _transition(cancel, program_id)


@blp.route("/<id:program_id>/estimate", methods=["GET"])
@require_role("viewer")
@blp.response(200, EstimateSchema)
def estimate_program(program_id):
    """Estimate a program's cost

    Who a launch would queue now (and who it would skip, by reason), the channel's units per
    message averaged over a sample of rendered messages, and the cost at the program's rates.
    """
    program = program_or_404(program_id)
    channel = _channel_of(program)
    audience = audience_summary(program, channel)
    figures = estimate(program, channel, recipients=audience["queued"])
    return {"recipients": figures.recipients, "skipped": audience["skipped"],
            "units_per_message": figures.units_per_message, "total_units": figures.total_units,
            "cost_unit": str(channel.cost_unit), "cost": figures.cost, "currency": program.campaign.currency,
            "warnings": [str(warning) for warning in figures.warnings]}


@blp.route("/<id:program_id>/progress", methods=["GET"])
@require_role("viewer")
@blp.response(200, ProgressSchema)
def program_progress(program_id):
    """Follow a program's sending

    Messages per status, the rate over the last minute and the time left at that rate.
    """
    program = program_or_404(program_id)
    figures = progress(program)
    return {"status": program.status, "counts": figures.counts, "total": figures.total, "done": figures.done,
            "pending": figures.pending, "percent": figures.percent, "rate_per_minute": figures.rate_per_minute,
            "seconds_left": figures.seconds_left, "actual_cost": actual_cost(program),
            "estimated_cost": program.estimated_cost}


@blp.route("/<id:program_id>/preview", methods=["GET"])
@require_role("marketer")
@blp.arguments(ProgramPreviewArgsSchema, location="query")
@blp.response(200, ProgramPreviewSchema)
def preview_program(args, program_id):
    """Preview a program for one contact

    The content rendered exactly as it would be sent to `contact` (its language's variant, its
    merge tags), with the channel's unit estimate. A merge-tag mistake answers 409
    `template_error` with its line.
    """
    program = program_or_404(program_id)
    contact = Contact.get_or_none(Contact.id == args["contact"]) or abort_invalid(
        {"contact": [f"No contact {args['contact']}."]}, location="query")
    channel = _channel_of(program)
    try:
        message, units = preview(program, channel, channel_settings(channel.identifier), contact)
    except TemplateError as exc:
        conflict("template_error", f"The content cannot be rendered for this contact: {exc}",
                 {"line": exc.line, "problem": exc.message})
    return {"contact_id": contact.id, "address": message.address, "language": message.language,
            "content": message.content, "units": units.units, "warnings": [str(w) for w in units.warnings]}
