"""Files on disk are private; `chapar serve` warns when root listens beyond this machine; the
install script runs no npm package scripts; no library is loaded between fork and exec."""
import os
import re
import signal
import stat
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from chapar_process import chapar_env, free_port, start_chapar
from peewee import SqliteDatabase

from chapar.config import Config

ROOT = Path(__file__).resolve().parent.parent


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_instance_folder_is_private(tmp_path):
    home = tmp_path / "new" / "instance"
    Config({"HOME": str(home)}, environ={}).prepare_home()
    assert mode(home) == 0o700
    assert mode(home / "uploads") == 0o700
    assert mode(home / "chapar.db") == 0o600 and (home / "chapar.db").stat().st_size == 0
    assert mode(home / "secret_key") == 0o600


def test_an_existing_instance_folder_is_tightened_never_loosened(tmp_path):
    home = tmp_path / "instance"
    (home / "uploads").mkdir(parents=True)
    home.chmod(0o755)
    (home / "uploads").chmod(0o750)
    database = home / "chapar.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    Config({"HOME": str(home)}, environ={}).prepare_home()
    assert mode(home) == 0o700 and mode(home / "uploads") == 0o700 and mode(database) == 0o600
    home.chmod(0o500)  # tighter than 0700 already: left alone
    try:
        Config({"HOME": str(home)}, environ={}).prepare_home()
        assert mode(home) == 0o500
    finally:
        home.chmod(0o700)


def test_a_folder_that_cannot_be_changed_is_not_an_error(tmp_path, monkeypatch):
    home = tmp_path / "instance"
    home.mkdir()
    home.chmod(0o755)

    def refuse(self, mode):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "chmod", refuse)
    Config({"HOME": str(home)}, environ={}).prepare_home()  # no exception
    assert mode(home) == 0o755


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand a folder to another user")
def test_a_folder_someone_else_owns_is_left_as_they_made_it(tmp_path):
    home = tmp_path / "instance"
    (home / "uploads").mkdir(parents=True)
    for path in (home, home / "uploads"):
        path.chmod(0o755)
        os.chown(path, 54321, -1)
    Config({"HOME": str(home)}, environ={}).prepare_home()
    assert mode(home) == 0o755 and mode(home / "uploads") == 0o755


def test_a_database_elsewhere_is_not_created_in_the_instance_folder(tmp_path):
    home = tmp_path / "instance"
    Config({"HOME": str(home), "DATABASE_URL": "postgresql://chapar@/chapar"}, environ={}).prepare_home()
    assert not (home / "chapar.db").exists()


@pytest.mark.parametrize("euid, host, warned", [
    (0, "0.0.0.0", True), (0, "::", True), (0, "chapar.example.com", True), (0, "192.168.1.5", True),
    (0, "127.0.0.1", False), (0, "::1", False), (0, "localhost", False), (0, "127.0.0.2", False),
    (1000, "0.0.0.0", False),
])
def test_serve_warns_when_root_listens_beyond_this_machine(monkeypatch, capsys, euid, host, warned):
    from chapar.cli import run

    monkeypatch.setattr(os, "geteuid", lambda: euid)
    run._warn_if_root_and_exposed(host)
    err = capsys.readouterr().err
    assert ("running as root" in err) is warned
    if warned:
        assert host in err


def test_npm_runs_no_package_scripts():
    script = (ROOT / "scripts/install").read_text()
    calls = [line for line in script.splitlines()
             if re.search(r"^\s*npm (ci|install)\b", line)]
    assert calls, "scripts/install no longer calls npm?"
    for line in calls:
        assert "--ignore-scripts" in line, line


def test_the_parent_death_signal_needs_no_library_loading_in_the_child(monkeypatch):
    """die_with_parent runs between fork and exec: libc's prctl is looked up at import instead."""
    import ctypes

    from chapar import embedded_redis

    calls = []
    monkeypatch.setattr(embedded_redis, "_prctl", lambda *args: calls.append(args))

    def no_loading(*args, **kwargs):
        raise AssertionError("a library was loaded in the forked child")

    monkeypatch.setattr(ctypes, "CDLL", no_loading)
    embedded_redis.die_with_parent()
    assert calls == [(1, signal.SIGTERM)]


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except (urllib.error.URLError, ConnectionError):
        return None


@pytest.mark.slow
def test_serve_keeps_its_files_private_and_audits_the_first_admin(tmp_path):
    home = tmp_path / "instance"
    port = free_port()
    process = start_chapar(chapar_env(home), "serve", "--port", str(port), "--workers", "0")
    try:
        deadline = time.monotonic() + 60
        while _answers(f"http://127.0.0.1:{port}/login") != 200:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate(timeout=10)
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert "running as root" not in err  # 127.0.0.1 is this machine only
    assert mode(home) == 0o700
    for name in ("chapar.db", "secret_key", "redis.log", "serve.lock"):
        assert mode(home / name) & 0o077 == 0, name
    database = SqliteDatabase(str(home / "chapar.db"))
    rows = database.execute_sql("SELECT action, target, details FROM audit_log").fetchall()
    database.close()
    assert rows == [("user.created", "admin@localhost", '{"role": "admin", "via": "first-run"}')], out + err
