"""The sign-in limits: each attempt is counted before the password is checked (no overshoot by
parallel guesses), per client address (IPv6 per /64) and per account, and refusals are audited."""
import json
import threading
import time

import pytest

from chapar.models import AuditLog

TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture
def app_config(app_config):
    app_config["LOGIN_RATE_LIMIT"] = "3 per minute"
    app_config["LOGIN_ACCOUNT_RATE_LIMIT"] = "5 per minute"
    return app_config


def attempt(app, email, password, address="192.0.2.10"):
    """One sign-in from a fresh browser at `address`; returns the status code."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    page = browser.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    return browser.post("/login", data={"csrf_token": token, "email": email, "password": password})


def audit_entries(action):
    return list(AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id))


def test_parallel_guesses_cannot_overshoot_the_limit(app, users, monkeypatch):
    """Counted before the (slow) password check: of 8 simultaneous guesses, only 3 are checked."""
    from chapar.webui.views import auth

    real = auth.authenticate
    checked = []

    def slow_authenticate(email, password):
        checked.append(email)
        time.sleep(0.4)  # argon2 at production cost, and then some
        return real(email, password)

    monkeypatch.setattr(auth, "authenticate", slow_authenticate)
    results = []
    start = threading.Barrier(8)

    def guess(number):
        start.wait()
        results.append(attempt(app, users["admin"].email, f"wrong guess {number}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [422] * 3 + [429] * 5
    assert len(checked) == 3


def test_guesses_spread_over_many_addresses_hit_the_account_limit(app, users):
    email = users["viewer"].email
    for number in range(5):
        assert attempt(app, email, "wrong", address=f"198.51.100.{number}").status_code == 422
    refused = attempt(app, email, TEST_PASSWORD, address="203.0.113.99")  # even the right password waits
    assert refused.status_code == 429
    assert "for this account" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    # Another account from one of those addresses is not affected.
    assert attempt(app, users["marketer"].email, TEST_PASSWORD, address="198.51.100.0").status_code == 303


def test_the_account_limit_ignores_case_and_spaces(app, users):
    for number, spelling in enumerate(["Viewer@Example.test", " viewer@example.test", "VIEWER@EXAMPLE.TEST ",
                                       "viewer@example.TEST", "viewer@example.test"]):
        assert attempt(app, spelling, "wrong", address=f"198.51.100.{number}").status_code == 422
    assert attempt(app, "viewer@example.test", "wrong", address="198.51.100.77").status_code == 429


def test_ipv6_clients_are_counted_per_64(app, users):
    for host in ("::1", "::2", "::abcd:1"):
        assert attempt(app, users["admin"].email, "wrong", address=f"2001:db8:0:7{host}").status_code == 422
    assert attempt(app, users["manager"].email, "wrong", address="2001:db8:0:7:ffff::9").status_code == 429
    assert attempt(app, users["manager"].email, "wrong", address="2001:db8:0:8::1").status_code == 422


def test_client_address_key(app):
    from chapar.security import client_address_key

    cases = {"192.0.2.1": "192.0.2.1", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
             "::ffff:192.0.2.7": "192.0.2.7", "fe80::1%eth0": "fe80::/64", "not-an-ip": "not-an-ip"}
    for address, key in cases.items():
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            assert client_address_key() == key, address


def test_successful_sign_ins_are_given_back(app, users):
    for _ in range(7):  # above both limits
        assert attempt(app, users["admin"].email, TEST_PASSWORD).status_code == 303


def test_refusals_are_audited_once_per_window(app, users):
    for _ in range(3):
        attempt(app, users["admin"].email, "wrong")
    for _ in range(4):
        assert attempt(app, users["admin"].email, "wrong").status_code == 429
    entries = audit_entries("login.rate_limited")
    assert len(entries) == 1
    assert entries[0].target == users["admin"].email and entries[0].ip == "192.0.2.10"
    assert json.loads(entries[0].details) == {"limit": "address"}
    assert len(audit_entries("login.failed")) == 3  # refused attempts never reached the password check
