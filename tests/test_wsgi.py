"""Production serving: gunicorn on wsgi.py, as docs/operations.md tells admins to run it."""
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from chapar_process import chapar_env, free_port, run_chapar

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _gunicorn(env, port):
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "--chdir", str(REPO), "-b", f"127.0.0.1:{port}",
                             "-w", "2", "wsgi:app"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)


def test_gunicorn_serves_the_login_page_after_migrate(tmp_path, redis_url):
    env = chapar_env(tmp_path / "instance", REDIS_URL=redis_url)
    assert run_chapar(env, "migrate").returncode == 0
    port = free_port()
    server = _gunicorn(env, port)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                time.sleep(0.1)
        assert body is not None and 'name="password"' in body
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_without_a_redis_url_refuses_with_the_setting_named(tmp_path):
    env = chapar_env(tmp_path / "instance")
    server = _gunicorn(env, free_port())
    _out, err = server.communicate(timeout=60)
    assert server.returncode != 0
    assert "CHAPAR_REDIS_URL: must be set when serving with gunicorn" in err
    assert not (tmp_path / "instance" / "redis.sock").exists()
