"""The `chapar` command line, run as an admin runs it: in a subprocess, on a fresh instance."""
import pytest
from chapar_process import chapar_env, run_chapar

import chapar


@pytest.fixture
def instance(tmp_path, redis_url):
    """The environment of a fresh instance folder (SQLite inside it) on the test Redis."""
    return chapar_env(tmp_path / "instance", REDIS_URL=redis_url)


def test_help_lists_every_command(instance):
    result = run_chapar(instance, "--help")
    assert result.returncode == 0
    commands = result.stdout.split("Commands:")[1].split()
    for name in ("migrate", "plugins", "serve", "token", "user", "worker"):
        assert name in commands
    assert run_chapar(instance, "--version").stdout.strip().endswith(chapar.__version__)


def test_migrate_creates_the_schema_then_has_nothing_left_to_do(instance, tmp_path):
    first = run_chapar(instance, "migrate")
    assert first.returncode == 0, first.stderr
    assert "applied core: 0001_foundation" in first.stdout
    key = (tmp_path / "instance" / "secret_key").read_text()
    second = run_chapar(instance, "migrate")
    assert second.returncode == 0, second.stderr
    assert second.stdout == "0 migration(s) applied; schema is up to date.\n"
    assert (tmp_path / "instance" / "secret_key").read_text() == key  # the same instance after a restart


def test_plugins_lists_the_builtin_web_ui_and_the_disabled(instance):
    result = run_chapar(instance, "plugins")
    assert result.returncode == 0, result.stderr
    assert f"webui  {chapar.__version__}  active  hooks: contact_timeline, dashboard_panels, menu_items, " \
        "register_blueprints" in result.stdout
    instance["CHAPAR_DISABLED_PLUGINS"] = "webui,fax"
    lines = run_chapar(instance, "plugins").stdout.splitlines()
    assert "webui  -  disabled" in lines and "fax  -  disabled" in lines


def test_a_failing_command_exits_non_zero_with_a_message(instance):
    run_chapar(instance, "migrate")
    result = run_chapar(instance, "token", "create", "--email", "nobody@example.test", "--name", "ci")
    assert result.returncode == 1 and result.stderr.strip() == "Error: no user with email nobody@example.test"
