"""The last active admin cannot be removed, even by two admins removing each other at once."""
import threading
import time

import pytest

from chapar.models import User
from chapar.users import create_user

TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture
def two_admins(app, users, client, client_as):
    second = create_user("second-admin@example.test", TEST_PASSWORD, role="admin")
    first_browser, second_browser = client_as("admin"), client
    assert second_browser.login(second.email).status_code == 303
    return (users["admin"], first_browser), (second, second_browser)


@pytest.fixture
def slow_check(monkeypatch):
    """Widen the window between the last-admin check and the write, as a busy server might."""
    from chapar.webui.views import admin_users

    real = admin_users.leaves_no_admin

    def slow(*args, **kwargs):
        answer = real(*args, **kwargs)
        time.sleep(0.5)
        return answer

    monkeypatch.setattr(admin_users, "leaves_no_admin", slow)


def _at_once(*calls):
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index, call):
        start.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def active_admins():
    return User.select().where(User.role == "admin", User.active == True).count()  # noqa: E712


def test_two_admins_deactivating_each_other_at_once_leave_one(app, two_admins, slow_check):
    (first, first_browser), (second, second_browser) = two_admins
    first_token, second_token = first_browser.csrf_token(), second_browser.csrf_token()
    results = _at_once(
        lambda: first_browser.raw.post(f"/admin/users/{second.id}/active",
                                       data={"csrf_token": first_token, "active": "0"}),
        lambda: second_browser.raw.post(f"/admin/users/{first.id}/active",
                                        data={"csrf_token": second_token, "active": "0"}))
    assert all(response.status_code == 302 for response in results)
    assert active_admins() == 1
    locations = sorted(response.headers["Location"] for response in results)
    assert sum("/admin/users/" in location for location in locations) == 1  # one was sent back, refused


def test_two_admins_demoting_each_other_at_once_leave_one(app, two_admins, slow_check):
    (first, first_browser), (second, second_browser) = two_admins
    first_token, second_token = first_browser.csrf_token(), second_browser.csrf_token()
    form = {"name": "", "role": "viewer", "locale": ""}
    results = _at_once(
        lambda: first_browser.raw.post(f"/admin/users/{second.id}", data={"csrf_token": first_token, **form}),
        lambda: second_browser.raw.post(f"/admin/users/{first.id}", data={"csrf_token": second_token, **form}))
    assert sorted(response.status_code for response in results) == [302, 422]
    assert active_admins() == 1


def test_the_lone_admin_still_cannot_be_deactivated(client_as, users):
    admin = client_as("admin")
    response = admin.post(f"/admin/users/{users['admin'].id}/active", {"active": "0"})
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{users['admin'].id}"
    assert User.get_by_id(users["admin"].id).active
