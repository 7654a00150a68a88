"""Signing out ends the session for good, copies of its cookie included; so does deactivation.
Signed-in pages are not stored by the browser, and signing out clears htmx's history cache."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_PASSWORD = "correct horse battery staple"


def copy_of_session(browser, app):
    """A second browser holding a copy of `browser`'s session cookie (as a thief would)."""
    cookie = browser.raw.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_copied_session_cookie_stops_working_at_sign_out(app, client_as):
    marketer = client_as("marketer")
    thief = copy_of_session(marketer, app)
    assert thief.get("/").status_code == 200  # the copy works while the session lasts
    assert marketer.post("/logout").status_code == 303
    assert marketer.get("/").status_code == 302
    replayed = thief.get("/")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/login")


def test_signing_out_ends_the_users_sessions_on_every_device(app, client_as, client, users):
    laptop = client_as("viewer")
    assert client.login(users["viewer"].email).status_code == 303  # the phone
    laptop.post("/logout")
    assert client.get("/").status_code == 302
    other_user = client_as("manager")  # someone else's session is untouched
    assert other_user.get("/").status_code == 200
    assert client.login(users["viewer"].email).status_code == 303  # signing in again works
    assert client.get("/").status_code == 200


def test_a_deactivated_users_sessions_stay_ended_after_reactivation(app, client_as, users):
    viewer = client_as("viewer")
    admin = client_as("admin")
    admin.post(f"/admin/users/{users['viewer'].id}/active", {"active": "0"})
    assert viewer.get("/").status_code == 302
    admin.post(f"/admin/users/{users['viewer'].id}/active", {"active": "1"})
    assert viewer.get("/").status_code == 302  # reactivation does not bring the old session back


def test_signed_in_pages_are_not_stored(client, client_as):
    anonymous = client.get("/login")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    viewer = client_as("viewer")
    for url in ("/", "/account/password", "/account/tokens", "/no-such-page"):
        assert viewer.get(url).headers.get("Cache-Control") == "no-store", url


def test_the_vendored_htmx_keeps_history_in_session_storage():
    """chapar.js clears the key htmx really uses; this fails if an htmx upgrade moves it."""
    htmx = (ROOT / "webui/static/vendor/htmx.min.js")
    if not htmx.exists():
        pytest.skip("front-end files not vendored (scripts/install copies them)")
    text = htmx.read_text(encoding="utf-8")
    assert 'sessionStorage.setItem("htmx-history-cache"' in text or \
        "sessionStorage.setItem('htmx-history-cache'" in text


NODE_HARNESS = r"""
const handlers = {};
const removed = [];
const storage = (name) => ({removeItem: (key) => removed.push(name + ":" + key)});
global.window = {sessionStorage: storage("session"), localStorage: storage("local"), confirm: () => true};
global.document = {
  addEventListener: (type, fn) => { (handlers[type] = handlers[type] || []).push(fn); },
  querySelector: () => null,
  querySelectorAll: () => [],
  documentElement: {classList: {add: () => {}, remove: () => {}}},
};
require(process.argv[2]);
function submit(action) {
  const form = {getAttribute: (name) => (name === "action" ? action : null)};
  for (const fn of handlers.submit || []) fn({target: form});
}
submit("/admin/settings");
const afterOtherForm = removed.length;
submit("/logout");
console.log(JSON.stringify({afterOtherForm, removed}));
"""


def test_signing_out_clears_the_htmx_history_cache(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS)
    result = subprocess.run([node, str(harness), str(ROOT / "webui/static/js/chapar.js")], capture_output=True,
                            text=True, timeout=30, check=True)
    outcome = json.loads(result.stdout)
    assert outcome["afterOtherForm"] == 0
    assert "session:htmx-history-cache" in outcome["removed"]
    assert "local:htmx-history-cache" in outcome["removed"]
