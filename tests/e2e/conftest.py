"""A live `chapar serve` and headless Debian Chromium driven by Playwright.

Playwright's own browser download is impossible here, so the system chromium is used through
executable_path. Screenshots of failing tests are saved to test-artifacts/.
"""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import urllib.error
import urllib.request

import pytest
from chapar_process import private_redis_url

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


TESTS = Path(__file__).resolve().parents[1]


def start_live_server(home, redis_url, port, pythonpath=()):
    """`chapar serve` with its own instance folder; returns (process, base_url, admin_password).

    `pythonpath` folders are put in front of the server's (and its workers') import path: a
    dist-info folder there installs a test plugin such as the fixture channel."""
    env = dict(os.environ, CHAPAR_HOME=str(home), CHAPAR_REDIS_URL=redis_url, CHAPAR_WORKERS="1",
               CHAPAR_RECONCILE_SECONDS="2")
    env.pop("CHAPAR_DATABASE_URL", None)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([*map(str, pythonpath), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    process = subprocess.Popen([sys.executable, "-m", "chapar.cli", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    base = f"http://127.0.0.1:{port}"
    password, lines = None, []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        line = process.stdout.readline()
        lines.append(line)
        found = re.search(r"one-time password (\S+)", line)
        if found:
            password = found.group(1)
        if "Press Ctrl-C" in line:
            break
    if password is None:
        process.kill()
        pytest.fail("chapar serve did not start:\n" + "".join(lines))
    for _ in range(100):
        try:
            with urllib.request.urlopen(base + "/login", timeout=1):
                break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    return process, base, password


def stop_live_server(process):
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def own_redis_url(tmp_path_factory):
    """A redis-server for one live server: two instances alive at once (module fixtures of two test
    files interleaved by xdist) must not share queues, or one's worker takes the other's jobs."""
    yield from private_redis_url(tmp_path_factory.mktemp("e2e-redis"))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, own_redis_url, free_port):
    """`chapar serve` on a free port with its own instance folder; yields (base_url, admin_password)."""
    process, base, password = start_live_server(tmp_path_factory.mktemp("e2e-instance"), own_redis_url, free_port())
    yield base, password
    stop_live_server(process)


@pytest.fixture(scope="module")
def channel_server(tmp_path_factory, own_redis_url, free_port):
    """Like live_server, with the fixture channel installed; yields (base_url, admin_password, env)
    where env runs `chapar` commands against the same instance."""
    home = tmp_path_factory.mktemp("e2e-channel-instance")
    process, base, password = start_live_server(home, own_redis_url, free_port(),
                                                pythonpath=(TESTS / "fixture_channel_site", TESTS))
    env = dict(os.environ, CHAPAR_HOME=str(home), CHAPAR_REDIS_URL=own_redis_url)
    env.pop("CHAPAR_DATABASE_URL", None)
    yield base, password, env
    stop_live_server(process)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (the install script installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
