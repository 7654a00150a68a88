"""Real `chapar worker` processes, reconciler loops and a private redis-server that a test may
kill and restart, for the send pipeline's reliability tests.

Every process runs in its own session and writes to a log file (a pipe nobody reads would fill
and block it). `Processes.close()` kills whatever is still running, RQ scheduler children
included, so a failing test leaves nothing behind.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import redis
from chapar_process import TESTS, chapar_env, command, start_redis_server

FIXTURE_SITE = TESTS / "fixture_channel_site"


def wait_for(condition, seconds, what=None, every=0.05):
    """Poll `condition()` until it is truthy and return its value; after `seconds`, fail saying
    `what` did not happen (or, without `what`, return the last falsy value)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            if what is None:
                return value
            raise AssertionError(f"timed out after {seconds} s waiting until {what}")
        time.sleep(every)


class PrivateRedis:
    """A redis-server without persistence that the test owns: `restart()` loses every key."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process, self.port = start_redis_server(self.folder)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        return redis.Redis(port=self.port)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)

    def start(self):
        self.process, _port = start_redis_server(self.folder, port=self.port)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=10)


def worker_env(home, database_url, redis_url, **settings):
    """Env for workers of the test's database and Redis: short leases, a reconciler pass a second,
    and the fixture channel loaded through its entry point."""
    values = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SEND_LEASE_SECONDS": 3,
              "RECONCILE_SECONDS": 1, **settings}
    env = chapar_env(home, **values)
    env["PYTHONPATH"] = os.pathsep.join([str(FIXTURE_SITE), env["PYTHONPATH"]])
    return env


class Processes:
    """The named processes of one test; `close()` in a finally (or a fixture) kills them all."""

    def __init__(self, env, logs):
        self.env = env
        self.logs = Path(logs)
        self.logs.mkdir(parents=True, exist_ok=True)
        self.running = {}
        self._started = 0

    def _start(self, name, args):
        self._started += 1
        log = open(self.logs / f"{self._started:02d}-{name}.log", "w")  # noqa: SIM115 - closed by the child's exit
        process = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        process.log_path = log.name
        self.running[name] = process
        return process

    def start_worker(self, name):
        """`chapar worker --name <name>` (with RQ's scheduler, as `chapar serve` runs it)."""
        return self._start(name, command("worker", "--name", name))

    def start_reconciler(self, name, pause=0.1):
        """A process calling chapar.sending.reconcile() in a loop, as a second scheduler would."""
        return self._start(name, [sys.executable, __file__, "reconcile", str(pause)])

    def alive(self, name):
        return self.running[name].poll() is None

    def output(self, name):
        return Path(self.running[name].log_path).read_text(errors="replace")

    def send_signal(self, name, signum, seconds=20):
        """Send `signum` to one process and wait for it to exit; returns its exit code."""
        process = self.running[name]
        if process.poll() is None:
            process.send_signal(signum)
        return self.wait_exit(name, signum, seconds)

    def wait_exit(self, name, signum, seconds):
        try:
            return self.running[name].wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{name} did not exit within {seconds} s of signal {signum}") from None

    def stop_all(self, signum=signal.SIGTERM, seconds=20):
        """Signal every running process once, all at once, then wait for each; returns {name: exit code}.

        Once only: a second SIGTERM tells an RQ worker busy with a job to stop cold."""
        live = {n: p for n, p in self.running.items() if p.poll() is None}
        for process in live.values():
            process.send_signal(signum)
        return {name: self.wait_exit(name, signum, seconds) for name in live}

    def close(self):
        for process in self.running.values():
            try:
                family = [process.pid] + [c.pid for c in psutil.Process(process.pid).children(recursive=True)]
            except psutil.NoSuchProcess:
                family = []
            for pid in family:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait(timeout=10)


def reconcile_forever(pause):
    """Run reconciler passes back to back (with `pause` s between), like an extra scheduler."""
    import logging

    from chapar import create_app
    from chapar.db import db
    from chapar.sending import reconcile

    app = create_app()
    with app.app_context():
        while True:
            db.connect(reuse_if_open=True)
            try:
                reconcile()
            except Exception:  # noqa: BLE001 - keep racing the workers; the log shows what failed
                logging.getLogger("reconcile-loop").exception("pass failed")
            finally:
                db.close()
            time.sleep(pause)


if __name__ == "__main__":
    if sys.argv[1:2] == ["reconcile"]:
        reconcile_forever(float(sys.argv[2]))
