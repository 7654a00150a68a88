"""`chapar contacts import` and `chapar contacts export`, run as an admin runs them."""
import csv
import io

import pytest
from chapar_process import chapar_env, run_chapar

CSV = ("نام,نام خانوادگی,ایمیل,موبایل,یادداشت\n"
       "علی,رضایی,ali@example.com,+989121234567,hello\n"
       "سارا,,sara@example.com,,\n"
       "بد,,bad-email,,\n")


@pytest.fixture
def instance(tmp_path, redis_url):
    env = chapar_env(tmp_path / "instance", REDIS_URL=redis_url)
    assert run_chapar(env, "migrate").returncode == 0
    return env


def test_a_dry_run_reports_and_writes_nothing_then_the_import_does(instance, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text(CSV, encoding="utf-8")
    dry = run_chapar(instance, "contacts", "import", str(source), "--dry-run", "--map", "یادداشت=-")
    assert dry.returncode == 0, dry.stderr
    assert "3 rows checked (nothing written): created 2, updated 0, skipped 0, failed 1." in dry.stdout
    assert "Checking" in dry.stderr and "ایمیل -> email" in dry.stderr and "یادداشت" not in dry.stderr
    export = run_chapar(instance, "contacts", "export")
    assert export.stdout.count("\n") == 1  # the header only

    real = run_chapar(instance, "contacts", "import", str(source), "--tag", "cli", "--tag", "نمایشگاه",
                      "--consent", "email=subscribed", "--wording", "Agreed on the phone", "--map", "یادداشت=-")
    assert real.returncode == 0, real.stderr
    assert "3 rows: created 2, updated 0, skipped 0, failed 1." in real.stdout
    failures = tmp_path / "people-failed.csv"
    assert f"Failed rows, with the reason for each: {failures}" in real.stdout
    rows = list(csv.reader(io.StringIO(failures.read_text(encoding="utf-8-sig"))))
    assert rows[1][:3] == ["بد", "", "bad-email"] and rows[1][-2:] == ["4", "ایمیل: not a valid email address"]

    output = tmp_path / "out.csv"
    assert run_chapar(instance, "contacts", "export", "-o", str(output)).returncode == 0
    exported = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert [(r["first_name"], r["email"], r["consent_email"]) for r in exported] == [
        ("علی", "ali@example.com", "subscribed"), ("سارا", "sara@example.com", "subscribed")]
    assert exported[0]["tags"] == "cli, نمایشگاه" and exported[0]["mobile"] == "'+989121234567"


@pytest.fixture
def cli(instance, monkeypatch):
    """The same commands in this process (click's runner), for the quick checks."""
    from click.testing import CliRunner

    from chapar.cli import load_commands

    for name, value in instance.items():
        if name.startswith("CHAPAR_"):
            monkeypatch.setenv(name, value)
    commands = load_commands()
    return lambda *args: CliRunner().invoke(commands, list(args))


def test_wrong_options_and_files_are_one_clear_line(cli, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text(CSV, encoding="utf-8")
    wording = cli("contacts", "import", str(source), "--consent", "email=subscribed")
    assert wording.exit_code == 1 and "wording required: wording" in wording.stderr
    column = cli("contacts", "import", str(source), "--map", "Phone=mobile")
    assert column.exit_code == 2 and "no column named 'Phone'" in column.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    refused = cli("contacts", "import", str(empty))
    assert refused.exit_code == 1 and refused.stderr.strip() == "Error: empty.csv: The file is empty."
    assert cli("contacts", "export", "--segment", "42").stderr.strip() == "Error: no segment with id 42"
