"""HEAD and GET change nothing, on every route that accepts a state-changing method.

Flask answers HEAD with the GET view, and CSRF protection and the sign-in limit only look at
unsafe methods: a view that tests `request.method == "GET"` would otherwise run its POST branch
for HEAD, unprotected. The request guard answers HEAD as GET and refuses a body on GET or HEAD.
"""
import pytest
from werkzeug.routing import IntegerConverter

from chapar.db import db
from chapar.models import ApiToken, User
from chapar.tokens import create_token

TEST_PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def database_state():
    """Every row of every table, to compare before and after."""
    state = {}
    for table in sorted(db.get_tables()):
        rows = db.execute_sql(f'SELECT * FROM "{table}"').fetchall()
        state[table] = sorted(repr(row) for row in rows)
    return state


def form_body(csrf_token, users):
    """Fields that would change something on any of the forms, all at once."""
    return {"csrf_token": csrf_token, "email": users["admin"].email, "password": TEST_PASSWORD,
            "current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
            "name": "Hijacked", "role": "viewer", "active": "0", "locale": "fa", "organisation_name": "Hijacked",
            "default_locale": "fa", "default_time_zone": "UTC", "default_country": "", "queue": "default",
            "state": "failed"}


def unsafe_urls(app, ids):
    """(url, methods) for every route accepting an unsafe method, with sample arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.methods & UNSAFE:
            continue
        args = {}
        for name in rule.arguments:
            if name in ids:
                args[name] = ids[name]
            elif isinstance(rule._converters[name], IntegerConverter):
                args[name] = 1
            else:
                args[name] = {"queue_name": "default", "state": "failed"}.get(name, "x")
        with app.test_request_context():
            from flask import url_for

            found.append((url_for(rule.endpoint, **args), sorted(rule.methods)))
    assert any(url == "/login" for url, _methods in found)
    return found


@pytest.fixture
def admin_token(users):
    token, _secret = create_token(users["admin"], "must survive")
    return token


def test_head_with_a_form_body_is_refused_on_every_route_that_changes_things(app, users, client, client_as,
                                                                             admin_token):
    admin = client_as("admin")
    routes = unsafe_urls(app, {"token_id": admin_token.id, "user_id": users["viewer"].id})
    before = database_state()
    for url, methods in routes:
        for browser in (client, admin):  # anonymous (sign-in) and an admin (everything else)
            response = browser.raw.open(url, method="HEAD", data=form_body(browser.csrf_token(), users))
            assert response.status_code == 400, (url, methods, response.status_code)
    assert database_state() == before
    assert client.get("/").status_code == 302  # HEAD /login with the right password signed nobody in
    assert ApiToken.get_by_id(admin_token.id).revoked_at is None
    assert User.get_by_id(users["viewer"].id).active
    fresh = client_as("admin")  # the admin's password did not change either
    assert fresh.get("/").status_code == 200


def _new_audit_actions(seen):
    from chapar.models import AuditLog

    entries = list(AuditLog.select().where(AuditLog.id > seen).order_by(AuditLog.id))
    return [entry.action for entry in entries], (entries[-1].id if entries else seen)


def test_head_without_a_body_runs_only_the_get_side(app, users, client, client_as, admin_token):
    admin = client_as("admin")
    routes = unsafe_urls(app, {"token_id": admin_token.id, "user_id": users["viewer"].id})
    _actions, seen = _new_audit_actions(0)
    for url, methods in routes:
        for browser in (client, admin):
            before = database_state()
            response = browser.raw.open(url, method="HEAD")
            assert response.status_code not in (201, 204, 303), (url, methods, response.status_code)
            assert response.get_data() == b""
            after = database_state()
            # Nothing changes but the audit log, and that only as a GET of the page would
            # (an export is audited when downloaded).
            assert {k: v for k, v in after.items() if k != "audit_log"} == \
                {k: v for k, v in before.items() if k != "audit_log"}, (url, methods)
            head_actions, seen = _new_audit_actions(seen)
            if head_actions:
                browser.raw.open(url, method="GET")
                get_actions, seen = _new_audit_actions(seen)
                assert head_actions == get_actions, (url, methods)
    assert ApiToken.get_by_id(admin_token.id).revoked_at is None


def test_head_on_revoke_shows_the_confirmation_and_revokes_nothing(client_as, users, admin_token):
    admin = client_as("admin")
    response = admin.raw.open(f"/account/tokens/{admin_token.id}/revoke", method="HEAD")
    assert response.status_code == 200  # the confirmation page's headers, as for GET
    assert ApiToken.get_by_id(admin_token.id).revoked_at is None


def test_head_cannot_change_a_password_or_guess_one(app, users, client_as, client):
    marketer = client_as("marketer")
    body = {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    assert marketer.raw.open("/account/password", method="HEAD", data=body).status_code == 400
    from chapar.users import authenticate

    assert authenticate(users["marketer"].email, TEST_PASSWORD) is not None
    for _ in range(3):
        guess = client.raw.open("/login", method="HEAD", data={"email": users["viewer"].email,
                                                               "password": TEST_PASSWORD})
        assert guess.status_code == 400
    assert client.get("/").status_code == 302


def test_get_with_a_body_is_refused(app, users, client_as, api_as):
    admin = client_as("admin")
    assert admin.raw.open("/admin/settings", method="GET", data={"organisation_name": "x"}).status_code == 400
    api = api_as("admin").get("/api/v1/tokens", json={"name": "x"})
    assert api.status_code == 400
    assert api.get_json()["error"]["code"] == "bad_request"
    assert "body" in api.get_json()["error"]["message"]


def test_head_on_a_page_still_answers_like_get(client_as):
    admin = client_as("admin")
    head = admin.raw.open("/admin/users", method="HEAD")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Type"] == admin.get("/admin/users").headers["Content-Type"]
