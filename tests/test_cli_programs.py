"""`chapar programs list|launch|pause|resume|cancel ID`: say what happened, and refuse clearly (one
line, exit status 1) for an unknown id or a transition the program's state does not allow."""
import pytest
from chapar_process import chapar_env, run_chapar
from click.testing import CliRunner
from programs_support import channel, make_campaign, make_contacts, plugins, ready_program  # noqa: F401

from chapar.cli import cli, load_commands
from chapar.models import AuditLog, Message, Program


@pytest.fixture
def chapar(app, channel, app_config, monkeypatch):
    """chapar("programs", "launch", "3") -> click's result, run on this test's instance."""
    for setting, value in app_config.items():
        monkeypatch.setenv(f"CHAPAR_{setting}", value)
    saved = dict(cli.commands)

    def run(*args):
        load_commands()
        return CliRunner().invoke(cli, list(args))

    yield run
    cli.commands.clear()
    cli.commands.update(saved)


def test_launch_says_how_many_were_queued_and_why_others_were_skipped(chapar):
    people = make_contacts(3) + make_contacts(2, consent="unsubscribed", prefix="u") + \
        make_contacts(1, consent="bounced", prefix="b")
    program = ready_program(make_campaign(), people, name="Nowruz")
    result = chapar("programs", "launch", str(program.id))
    assert result.exit_code == 0, result.output
    assert result.output == (f"launched program {program.id} “Nowruz”: queued 3, skipped 3 "
                             "(no consent 2, bounced 1); sending now\n")
    assert Program.get_by_id(program.id).status == "sending"
    again = chapar("programs", "launch", str(program.id))
    assert again.exit_code == 1
    assert again.output == (f"Error: cannot launch program {program.id} “Nowruz”: this program has already been "
                            "launched (already_launched)\n")
    assert Message.select().where(Message.program == program).count() == 6
    entry = AuditLog.select().where(AuditLog.action == "program.launched").get()
    assert entry.actor is None and '"via": "cli"' in entry.details


def test_pause_resume_cancel_and_list(chapar):
    campaign = make_campaign("Yalda")
    program = ready_program(campaign, make_contacts(2), name="Long night")
    draft = Program.create(campaign=campaign, name="Someday", channel="fixture")
    listed = chapar("programs", "list").output.splitlines()
    assert listed == [f"{draft.id}  draft  fixture  Yalda  Someday", f"{program.id}  ready  fixture  Yalda  Long night"]
    assert chapar("programs", "list", "--status", "sending").output == "no programs\n"
    refused = chapar("programs", "pause", str(program.id))
    assert refused.exit_code == 1 and "only a program that is sending can be paused" in refused.output
    chapar("programs", "launch", str(program.id))
    assert chapar("programs", "pause", str(program.id)).output == f"paused program {program.id} “Long night”\n"
    assert chapar("programs", "resume", str(program.id)).output == f"resumed program {program.id} “Long night”\n"
    cancelled = chapar("programs", "cancel", str(program.id))
    assert cancelled.output == f"cancelled program {program.id} “Long night”; queued messages will not be sent\n"
    assert {m.status for m in Message.select().where(Message.program == program)} == {"cancelled"}
    assert chapar("programs", "cancel", str(program.id)).exit_code == 1
    assert chapar("programs", "list", "--status", "lost").exit_code == 2


def test_an_empty_audience_or_an_unknown_id_is_refused(chapar):
    program = ready_program(make_campaign(), make_contacts(2, consent="unsubscribed"))
    empty = chapar("programs", "launch", str(program.id))
    assert empty.exit_code == 1 and "nobody in this audience can be sent to" in empty.output
    assert Message.select().count() == 0 and Program.get_by_id(program.id).status == "ready"
    unknown = chapar("programs", "resume", "424242")
    assert unknown.exit_code == 1
    assert unknown.output == "Error: no program 424242; `chapar programs list` shows them\n"
    assert chapar("programs", "launch", "nine").exit_code == 2


def test_the_installed_command_exits_1_for_an_unknown_program(tmp_path, redis_url):
    instance = chapar_env(tmp_path / "instance", REDIS_URL=redis_url)
    assert run_chapar(instance, "migrate").returncode == 0
    result = run_chapar(instance, "programs", "launch", "7")
    assert result.returncode == 1 and result.stderr.strip() == "Error: no program 7; `chapar programs list` shows them"
    assert "launch" in run_chapar(instance, "programs", "--help").stdout
