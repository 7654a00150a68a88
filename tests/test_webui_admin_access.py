"""Every admin page is behind a login and a role, and no state changes without a CSRF token."""
import re

import pytest
from flask import url_for

from chapar.models import User

JOB_ID = "0" * 32
# Every route of the admin modules (webui/views/admin_*.py) with the role it needs; the first
# test keeps this list in step with the app, so a new route cannot skip these checks.
ROUTES = [
    ("GET", "/admin/users", "admin"),
    ("GET", "/admin/users/new", "admin"),
    ("POST", "/admin/users/new", "admin"),
    ("GET", "/admin/users/1", "admin"),
    ("POST", "/admin/users/1", "admin"),
    ("POST", "/admin/users/1/reset-password", "admin"),
    ("POST", "/admin/users/1/active", "admin"),
    ("GET", "/account/tokens", "viewer"),
    ("POST", "/account/tokens", "viewer"),
    ("GET", "/account/tokens/1/revoke", "viewer"),
    ("POST", "/account/tokens/1/revoke", "viewer"),
    ("GET", "/admin/plugins", "admin"),
    ("GET", "/admin/jobs", "manager"),
    ("GET", "/admin/jobs/counts", "manager"),
    ("GET", "/admin/jobs/queue/default/failed", "manager"),
    ("POST", f"/admin/jobs/job/{JOB_ID}/retry", "manager"),
    ("POST", f"/admin/jobs/job/{JOB_ID}/delete", "manager"),
    ("POST", "/admin/jobs/queue/default/retry-failed", "manager"),
    ("GET", "/admin/settings", "admin"),
    ("POST", "/admin/settings", "admin"),
    ("GET", "/admin/audit", "admin"),
    ("GET", "/admin/fields", "admin"),
    ("POST", "/admin/fields", "admin"),
    ("GET", "/admin/fields/1/delete", "admin"),
    ("POST", "/admin/fields/1/delete", "admin"),
    ("GET", "/admin/channels", "admin"),
    ("GET", "/admin/channels/fixture", "admin"),
    ("POST", "/admin/channels/fixture", "admin"),
    ("POST", "/admin/channels/fixture/test", "admin"),
]
SAMPLE_ARGS = {"user_id": 1, "token_id": 1, "job_id": JOB_ID, "queue_name": "default", "state": "failed",
               "field_id": 1, "identifier": "fixture"}


def _request(browser, method, url):
    return browser.get(url) if method == "GET" else browser.post(url)


def test_the_route_list_covers_every_admin_route(app):
    found = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not view.__module__.startswith("chapar.webui.views.admin_"):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{arg: SAMPLE_ARGS[arg] for arg in rule.arguments})
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, url, getattr(view, "required_role", None)))
    assert found == set(ROUTES)


@pytest.mark.parametrize("method, url, role", ROUTES)
def test_anonymous_visitors_are_sent_to_login(client, method, url, role):
    response = _request(client, method, url)  # POSTs carry a valid CSRF token
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("method, url, role", [route for route in ROUTES if route[2] != "viewer"])
def test_a_viewer_is_refused(client_as, users, method, url, role):
    assert _request(client_as("viewer"), method, url).status_code == 403
    assert User.get_by_id(users["admin"].id).active  # nothing happened to anyone


def test_a_manager_reaches_jobs_but_not_admin_pages(client_as):
    manager = client_as("manager")
    assert manager.get("/admin/jobs").status_code == 200
    for url in ("/admin/users", "/admin/plugins", "/admin/settings", "/admin/audit"):
        assert manager.get(url).status_code == 403, url


@pytest.mark.parametrize("url, data", [
    ("/admin/users/new", {"email": "sneaky@example.test", "role": "admin", "locale": "en", "name": ""}),
    ("/admin/settings", {"organisation_name": "Hijacked", "default_locale": "en",
                         "default_time_zone": "UTC", "default_country": ""}),
])
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(app, client_as, url, data):
    from chapar.models import SiteSetting

    admin = client_as("admin")
    response = admin.raw.post(url, data=data)  # the raw client sends no token
    assert response.status_code == 400
    assert not User.select().where(User.email == "sneaky@example.test").exists()
    assert SiteSetting.get_value("organisation_name") is None


def test_a_post_with_a_wrong_csrf_token_is_refused(app, client_as, users):
    admin = client_as("admin")
    response = admin.raw.post(f"/admin/users/{users['viewer'].id}/active", data={"active": "0", "csrf_token": "x"})
    assert response.status_code == 400
    assert User.get_by_id(users["viewer"].id).active


def test_admin_pages_carry_no_inline_script_or_style(app, client_as):
    admin = client_as("admin")
    for url in ("/admin/users", "/admin/users/new", "/account/tokens", "/admin/plugins", "/admin/jobs",
                "/admin/settings", "/admin/audit"):
        page = admin.get(url).get_data(as_text=True)
        assert " style=" not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
