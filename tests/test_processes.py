"""`chapar serve` on embedded defaults: it answers, prints the URL and the first admin's login,
and however it is stopped (SIGTERM, Ctrl-C, SIGKILL) no redis-server, worker or scheduler it
started outlives it. A second serve on the same instance folder is refused while it runs.
"""
import os
import re
import signal
import time
import urllib.error
import urllib.request

import psutil
import pytest
from chapar_process import chapar_env, free_port, run_chapar, start_chapar
from peewee import SqliteDatabase

from chapar.passwords import verify_password

pytestmark = pytest.mark.slow


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except (urllib.error.URLError, ConnectionError):
        return None


def _command_line(process):
    try:
        return process.cmdline()
    except psutil.Error:  # it ended (or became a zombie) since it was listed
        return []


def alive(process):
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Serve:
    """A running `chapar serve --workers 1` (or with `options`) on a fresh instance folder, without
    CHAPAR_REDIS_URL."""

    def __init__(self, home, options=("--workers", "1"), workers=1):
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = chapar_env(home)
        self.process = start_chapar(self.env, "serve", "--port", str(self.port), *options)
        self.output = ""
        self._wait(lambda: answers(self.url + "login") == 200, "answer GET /login")
        # Everything it started: the redis-server, the workers, and one worker's RQ scheduler.
        self._wait(lambda: len(self.workers()) >= workers and len(self.descendants()) >= workers + 2,
                   f"start redis-server, {workers} worker(s) and a scheduler")
        self.children = self.descendants()

    def workers(self):
        """The `chapar worker` processes serve started (a worker's forked scheduler has the same
        command line, one level further down)."""
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []
        return [p for p in children if _command_line(p)[-3:-1] == ["worker", "--name"]]

    def descendants(self):
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def _wait(self, condition, what, seconds=30):
        deadline = time.monotonic() + seconds
        while not condition():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop(signal.SIGKILL)
                pytest.fail(f"chapar serve did not {what}:\n{self.output}")
            time.sleep(0.1)

    def stop(self, signum, seconds=20):
        """Send `signum` (SIGINT to its process group, as Ctrl-C does) and collect its output."""
        if self.process.poll() is None:
            if signum == signal.SIGINT:  # serve leads its own process group (start_new_session)
                os.killpg(self.process.pid, signum)
            else:
                self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=seconds)
        self.output = out + err
        return self.process.returncode

    def survivors(self, seconds=10):
        """Processes it started that are still running after `seconds` of grace."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(alive(p) for p in self.children):
            time.sleep(0.1)
        return [f"{p.pid} {p.name()}" for p in self.children if alive(p)]


@pytest.fixture
def serve(tmp_path):
    running = Serve(tmp_path / "instance")
    yield running
    if running.process.poll() is None:
        running.stop(signal.SIGKILL)
    for process in running.children:  # never leave a stray process behind, even on failure
        if alive(process):
            process.kill()


def test_serve_answers_and_prints_the_url_and_the_first_admin_login(serve):
    names = sorted(p.name() for p in serve.children)
    assert "redis-server" in names and len(names) == 3
    assert serve.stop(signal.SIGTERM) == 0
    assert f"Chapar is running at {serve.url}\n" in serve.output
    login = re.search(r"First run: log in as (\S+) with the one-time password (\S+)\n", serve.output)
    assert login, serve.output
    database = SqliteDatabase(str(serve.home / "chapar.db"))
    (password_hash,) = database.execute_sql('SELECT password_hash FROM "user" WHERE email = ?',
                                            (login.group(1),)).fetchone()
    database.close()
    assert verify_password(password_hash, login.group(2))


def test_serve_runs_two_workers_by_default_and_stops_them(tmp_path):
    # Two, so that a long import or report does not hold up sending (docs/operations.md).
    serve = Serve(tmp_path / "instance", options=(), workers=2)
    try:
        assert sorted(p.cmdline()[-1] for p in serve.workers()) == ["serve-1", "serve-2"]
        assert serve.stop(signal.SIGTERM) == 0
        assert serve.survivors() == []
    finally:
        for process in serve.children:
            if alive(process):
                process.kill()


def test_sigterm_stops_serve_and_everything_it_started(serve):
    started = time.monotonic()
    assert serve.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 15
    assert "Chapar stopped." in serve.output
    assert serve.survivors(seconds=0) == []
    assert not (serve.home / "redis.sock").exists()


def test_ctrl_c_stops_serve_and_everything_it_started(serve):
    assert serve.stop(signal.SIGINT) == 0
    assert "Traceback" not in serve.output
    assert serve.survivors(seconds=0) == []


def test_killing_serve_outright_takes_its_children_with_it(serve):
    serve.stop(signal.SIGKILL)
    assert serve.survivors() == []  # the kernel signals them (PR_SET_PDEATHSIG)


def test_a_second_serve_on_the_same_instance_is_refused_while_the_first_runs(serve):
    second = run_chapar(serve.env, "serve", "--port", str(free_port()))
    assert second.returncode == 2
    assert second.stderr.startswith(f"Error: CHAPAR_HOME: another `chapar serve` (pid {serve.process.pid}) "
                                    f"already runs on {serve.home}")
    assert answers(serve.url + "login") == 200
    assert serve.stop(signal.SIGTERM) == 0
