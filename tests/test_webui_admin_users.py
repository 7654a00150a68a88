"""The Users admin page: listing, creating, editing, resetting passwords, deactivating."""
import re

import pytest

from chapar.models import AuditLog, User

SECRET = re.compile(r'class="secret"[^>]*>([^<]+)<')


@pytest.fixture
def browser(app, client):
    """browser() -> another anonymous browser, like conftest's `client`, with its own cookies."""
    return lambda: type(client)(app.test_client())


def _new_user(admin, **fields):
    data = {"email": "new@example.test", "name": "Nasrin New", "role": "marketer", "locale": "fa"}
    data.update(fields)
    return admin.post("/admin/users/new", data)


def test_the_list_shows_each_user_with_role_language_and_last_login(client_as, users):
    page = client_as("admin").get("/admin/users").get_data(as_text=True)
    for user in users.values():
        assert user.email in page
    assert "Marketer" in page and "Viewer" in page
    assert "Never" in page  # the viewer has not logged in yet
    assert 'href="/admin/users/new"' in page


def test_creating_a_user_shows_a_one_time_password_that_must_be_changed(browser, client_as):
    admin = client_as("admin")
    response = _new_user(admin)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    password = SECRET.search(page).group(1).strip()
    assert "shown only now" in page
    assert response.headers["Cache-Control"] == "no-store" and 'hx-history="false"' in page
    created = User.get(User.email == "new@example.test")
    assert (created.role, created.locale, created.must_change_password) == ("marketer", "fa", True)
    assert AuditLog.select().where(AuditLog.action == "user.created", AuditLog.target == created.email).exists()

    newcomer = browser()
    login = newcomer.login("new@example.test", password)
    assert login.status_code in (302, 303)
    # Until they choose their own password, every page sends them to the change-password form.
    response = newcomer.get("/account/tokens")
    assert response.status_code in (302, 303)
    assert "password" in response.headers["Location"]


def test_a_typed_password_is_not_shown_back(client_as):
    admin = client_as("admin")
    response = _new_user(admin, password="a long enough password")
    assert response.status_code in (302, 303)
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "new@example.test" in page and "a long enough password" not in page
    assert User.get(User.email == "new@example.test").must_change_password


def test_a_duplicate_email_is_refused_inline_and_keeps_the_other_values(client_as, users):
    admin = client_as("admin")
    before = User.select().count()
    response = _new_user(admin, email=users["viewer"].email.upper(), name="Second Viewer")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A user with this email already exists." in page
    assert 'value="Second Viewer"' in page
    assert re.search(r'<option value="marketer" selected>', page)
    assert User.select().count() == before


def test_bad_fields_are_reported_each_in_place(client_as):
    response = _new_user(client_as("admin"), email="not-an-email", role="emperor", password="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose one of the roles." in page
    assert "Use at least 10 characters." in page
    assert not User.select().where(User.email == "not-an-email").exists()
    # With the role fixed, the email is the remaining problem.
    page = _new_user(client_as("admin"), email="not-an-email").get_data(as_text=True)
    assert "Enter a valid email address." in page


def test_editing_changes_name_role_and_language_and_is_audited(client_as, users):
    admin = client_as("admin")
    target = users["viewer"]
    response = admin.post(f"/admin/users/{target.id}", {"name": "Vida", "role": "manager", "locale": "fa"})
    assert response.status_code in (302, 303)
    target = User.get_by_id(target.id)
    assert (target.name, target.role, target.locale) == ("Vida", "manager", "fa")
    entry = AuditLog.get(AuditLog.action == "user.changed")
    assert '"role": {"old": "viewer", "new": "manager"}' in entry.details


def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(client_as, users):
    admin = client_as("admin")
    me = users["admin"]
    response = admin.post(f"/admin/users/{me.id}", {"name": "Admin", "role": "manager", "locale": ""})
    assert response.status_code == 422
    assert "last active admin" in response.get_data(as_text=True)
    response = admin.post(f"/admin/users/{me.id}/active", {"active": "0"})
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "last active admin" in page
    me = User.get_by_id(me.id)
    assert (me.role, me.active) == ("admin", True)

    # With a second admin, stepping down is allowed.
    admin.post(f"/admin/users/{users['manager'].id}", {"name": "M", "role": "admin", "locale": ""})
    response = admin.post(f"/admin/users/{me.id}", {"name": "Admin", "role": "manager", "locale": ""})
    assert response.status_code in (302, 303)
    assert User.get_by_id(me.id).role == "manager"


def test_a_deactivated_user_cannot_log_in_and_can_be_reactivated(browser, client_as, users):
    admin = client_as("admin")
    target = users["marketer"]
    admin.post(f"/admin/users/{target.id}/active", {"active": "0"})
    assert not User.get_by_id(target.id).active
    assert "Deactivated" in admin.get("/admin/users").get_data(as_text=True)
    assert browser().login(target.email).status_code not in (302, 303)
    admin.post(f"/admin/users/{target.id}/active", {"active": "1"})
    assert browser().login(target.email).status_code in (302, 303)
    actions = {entry.action for entry in AuditLog.select().where(AuditLog.target == target.email)}
    assert {"user.deactivated", "user.activated"} <= actions


def test_resetting_a_password_shows_a_new_one_time_password(browser, client_as, users):
    admin = client_as("admin")
    target = users["viewer"]
    response = admin.post(f"/admin/users/{target.id}/reset-password")
    password = SECRET.search(response.get_data(as_text=True)).group(1).strip()
    assert User.get_by_id(target.id).must_change_password
    fresh = browser()
    assert fresh.login(target.email).status_code not in (302, 303)  # the old password is gone
    assert fresh.login(target.email, password).status_code in (302, 303)


def test_an_unknown_user_is_404(client_as):
    assert client_as("admin").get("/admin/users/99999").status_code == 404
