"""`chapar programs list|launch|pause|resume|cancel`: a program's lifecycle from a shell.

The same guarded transitions as the web UI and the API (chapar.programs), recorded in the audit
log with via "cli" and no user: whoever has the server's shell is trusted like an admin. Launching
needs Redis (the messages go to the send queue) but no running worker.
"""
import click

from .appcontext import app_context

_ACTIONS = {"launch": "launched", "pause": "paused", "resume": "resumed", "cancel": "cancelled"}


@click.group()
def programs():
    """List programs and launch, pause, resume or cancel them."""


def _program(program_id):
    from ..models import Program

    program = Program.get_or_none(Program.id == program_id)
    if program is None:
        raise click.ClickException(f"no program {program_id}; `chapar programs list` shows them")
    return program


def _title(program):
    return f"program {program.id} “{program.name}”"


def _skipped(skipped):
    if not skipped:
        return "skipped none"
    reasons = ", ".join(f"{reason.replace('_', ' ')} {count}" for reason, count in
                        sorted(skipped.items(), key=lambda pair: (-pair[1], pair[0])))
    return f"skipped {sum(skipped.values())} ({reasons})"


def _run(action, program_id):
    """Apply one transition; TransitionRefused becomes one line and exit status 1."""
    from .. import programs as service

    with app_context():
        program = _program(program_id)
        try:
            result = getattr(service, action)(program, actor=None, via="cli")
        except service.TransitionRefused as exc:
            raise click.ClickException(f"cannot {action} {_title(program)}: {exc.message} ({exc.code})") from None
        line = f"{_ACTIONS[action]} {_title(program)}"
        if action == "launch":
            line += f": queued {result.queued}, {_skipped(result.skipped)}"
            line += f"; sending starts at {result.starts_at:%Y-%m-%d %H:%M} UTC" if result.starts_at else \
                "; sending now"
        elif action == "cancel":
            line += "; queued messages will not be sent"
    click.echo(line)


def _transition_command(action, help_text):
    @programs.command(action, help=help_text)
    @click.argument("program_id", metavar="ID", type=click.IntRange(min=1))
    def command(program_id):
        _run(action, program_id)

    return command


for _action, _help in (
        ("launch", "Snapshot the audience of program ID into messages and start (or schedule) sending."),
        ("pause", "Pause program ID while it is sending; workers stop within seconds."),
        ("resume", "Resume paused program ID."),
        ("cancel", "Cancel program ID for good: its queued messages are not sent.")):
    _transition_command(_action, _help)


@programs.command("list")
@click.option("--campaign", type=click.IntRange(min=1), help="Only this campaign's programs (an id).")
@click.option("--status", help="Only programs in this status (draft, ready, sending …).")
def list_programs(campaign, status):
    """List programs, newest first: id, status, channel, campaign and name."""
    from ..models import PROGRAM_STATUSES, Campaign, Program

    if status is not None and status not in PROGRAM_STATUSES:
        raise click.BadParameter(f"{status!r} is not one of {', '.join(PROGRAM_STATUSES)}", param_hint="--status")
    with app_context():
        query = Program.select(Program, Campaign).join(Campaign).order_by(Program.id.desc())
        if campaign is not None:
            query = query.where(Program.campaign == campaign)
        if status is not None:
            query = query.where(Program.status == status)
        rows = [(p.id, p.status, p.channel, p.campaign.name, p.name) for p in query]
    if not rows:
        click.echo("no programs")
    for row in rows:
        click.echo("{}  {}  {}  {}  {}".format(*row))


COMMANDS = [programs]
