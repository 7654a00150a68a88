"""A program's lifecycle buttons: launch (after a confirmation with the audience and the estimated
cost), pause, resume, cancel (confirmed) and delete (confirmed).

The core decides every transition in one guarded UPDATE (chapar.programs.lifecycle); a refusal
(TransitionRefused, ProgramBusy) comes back as a message in the reader's language, keyed by its
stable code, and changes nothing.
"""
from chapar.access import require_role
from chapar.i18n import format_when
from chapar.programs import ProgramBusy, TransitionRefused, cancel, delete_program, launch, pause, resume
from chapar.programs.schedule import to_local
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import blueprint
from .program_page import channel_of, estimate_context, labels, program_or_404, schedule_text
from .render import endpoint_url, render
from .shell import format_number

REFUSALS = {
    "already_launched": _l("This program has already been launched."),
    "unknown_channel": _l("This program's channel is no longer installed. Ask an admin to install it again."),
    "invalid_content": _l("The content has mistakes. Fix them before launching."),
    "incomplete": _l("The program needs content and an audience before it can be launched."),
    "schedule_in_past": _l("The scheduled time has passed. Choose a later time, then launch."),
    "empty_audience": _l("Nobody in this audience can be sent to, so nothing was queued."),
    "not_sending": _l("Only a program that is sending can be paused."),
    "not_paused": _l("Only a paused program can be resumed."),
    "not_cancellable": _l("Only a scheduled, sending or paused program can be cancelled."),
}


def refusal_message(exc):
    return str(REFUSALS.get(exc.code, exc.message))


def _back(program):
    return redirect(url_for("webui.program_show", program_id=program.id))


def _actor():
    return current_user._get_current_object()


def _launch_page(program, refusal=None, status=200):
    """The confirmation: who will be sent to, who is skipped and why, what it will cost, and when."""
    channel = channel_of(program)
    return render("webui/programs/confirm_launch.html", status=status, program=program, channel=channel,
                  schedule=schedule_text(program), refusal=refusal, **estimate_context(program, channel),
                  **labels(program))


@blueprint.route("/programs/<id:program_id>/launch", methods=["GET"])
@require_role("manager")
def program_launch_confirm(program_id):
    program = program_or_404(program_id)
    refusal = None
    if program.status != "ready":  # say why before anyone presses the button
        code = "incomplete" if program.status == "draft" else "already_launched"
        refusal = {"message": str(REFUSALS[code]), "details": {}}
    return _launch_page(program, refusal)


@blueprint.route("/programs/<id:program_id>/launch", methods=["POST"])
@require_role("manager")
def program_launch(program_id):
    program = program_or_404(program_id)
    try:
        result = launch(program, actor=_actor(), via="web")
    except TransitionRefused as exc:
        return _launch_page(program_or_404(program_id), {"message": refusal_message(exc), "code": exc.code,
                                                          "details": exc.details}, status=409)
    skipped = sum(result.skipped.values())
    if result.starts_at is not None:
        when = format_when(to_local(result.starts_at, program.campaign.time_zone))
        flash(_("Scheduled: %(queued)s messages will start sending at %(when)s. %(skipped)s contacts were skipped.",
                queued=format_number(result.queued), when=when, skipped=format_number(skipped)), "ok")
    else:
        flash(_("Launched: %(queued)s messages are being sent. %(skipped)s contacts were skipped.",
                queued=format_number(result.queued), skipped=format_number(skipped)), "ok")
    return _back(program)


def _transition(program_id, change, done):
    """Run pause/resume on the program; flash `done` or the reason it was refused."""
    program = program_or_404(program_id)
    try:
        change(program, actor=_actor(), via="web")
    except TransitionRefused as exc:
        flash(refusal_message(exc), "error")
    else:
        flash(str(done), "ok")
    return _back(program)


@blueprint.route("/programs/<id:program_id>/pause", methods=["POST"])
@require_role("marketer")
def program_pause(program_id):
    return _transition(program_id, pause, _l("Paused. Messages already with the provider still go out."))


@blueprint.route("/programs/<id:program_id>/resume", methods=["POST"])
@require_role("manager")
def program_resume(program_id):
    return _transition(program_id, resume, _l("Resumed: sending goes on where it stopped."))


def _confirm_page(program, action, status=200, error=None):
    texts = {
        "cancel": (_("Cancel %(name)s?", name=program.name),
                   _("Messages not yet sent are cancelled for good; ones already with the provider still go out. "
                     "A cancelled program cannot be resumed."), _("Cancel the program")),
        "delete": (_("Delete %(name)s?", name=program.name),
                   _("The program, its messages and their history are deleted. The contacts are not affected."),
                   _("Delete the program")),
    }
    title, text, button = texts[action]
    return render("webui/programs/confirm.html", status=status, program=program, action=action, title=title,
                  text=text, button=button, error=error, **labels(program))


def _confirmed(program_id, action, perform):
    """GET: the confirmation page. POST: perform(program) -> response; a refusal re-shows the page."""
    program = program_or_404(program_id)
    if request.method == "GET":
        return _confirm_page(program, action)
    try:
        return perform(program)
    except TransitionRefused as exc:
        error = refusal_message(exc)
    except ProgramBusy:
        error = _("This program is scheduled or sending. Cancel it first, then delete it.")
    return _confirm_page(program, action, status=409, error=error)


def _cancel(program):
    cancel(program, actor=_actor(), via="web")
    flash(_("Cancelled %(name)s.", name=program.name), "ok")
    return _back(program)


def _delete(program):
    campaign_id, name = program.campaign_id, program.name
    delete_program(program, actor=_actor(), via="web")
    flash(_("Deleted the program %(name)s.", name=name), "ok")
    return redirect(endpoint_url("webui.campaign_show", campaign_id=campaign_id) or url_for("webui.dashboard"))


@blueprint.route("/programs/<id:program_id>/cancel", methods=["GET", "POST"])
@require_role("manager")
def program_cancel(program_id):
    return _confirmed(program_id, "cancel", _cancel)


@blueprint.route("/programs/<id:program_id>/delete", methods=["GET", "POST"])
@require_role("manager")
def program_delete(program_id):
    return _confirmed(program_id, "delete", _delete)
