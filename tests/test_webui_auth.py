"""Signing in and out, rate limits, CSRF, redirects and password changes, as a browser sees them."""
import pytest

# The password conftest's `users` fixture gives everyone (importing conftest by name is
# ambiguous once tests/e2e has its own).
TEST_PASSWORD = "correct horse battery staple"
GENERIC_FAILURE = "Email or password is incorrect."
NEW_PASSWORD = "a brand new passphrase"


def audit_actions():
    from chapar.models import AuditLog

    return [entry.action for entry in AuditLog.select().order_by(AuditLog.id)]


def password_works(user, password):
    from chapar.users import authenticate

    return authenticate(user.email, password) is not None


@pytest.fixture
def events_seen():
    """Every event announced through track_event while the test runs."""
    from chapar import hookimpl
    from chapar.plugins import register_plugin, unregister_plugin

    seen = []

    class Recorder:
        @hookimpl
        def track_event(self, event):
            seen.append(event)

    name = register_plugin(Recorder(), name="test-event-recorder")
    yield seen
    unregister_plugin(name)


def test_signing_in_lands_on_the_dashboard(client, users, events_seen):
    response = client.login(users["marketer"].email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Welcome back, Marketer." in page.get_data(as_text=True)
    assert audit_actions() == ["login.succeeded"]
    assert [(e.name, e.actor.id) for e in events_seen] == [("user.logged_in", users["marketer"].id)]


def test_a_wrong_password_and_an_unknown_email_look_the_same(client, users):
    wrong_password = client.login(users["viewer"].email, "not the password at all")
    unknown_email = client.login("nobody@example.test", "not the password at all")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 422
        assert GENERIC_FAILURE in response.get_data(as_text=True)
    # The page does not say which part was wrong, so nobody can probe for accounts.
    assert wrong_password.get_data(as_text=True).count("incorrect") == unknown_email.get_data(as_text=True).count("incorrect")
    assert client.get("/").status_code == 302
    assert audit_actions() == ["login.failed", "login.failed"]


def test_a_failed_sign_in_keeps_the_email_but_not_the_password(client, users):
    page = client.login(users["viewer"].email, "my secret guess").get_data(as_text=True)
    assert f'value="{users["viewer"].email}"' in page
    assert "my secret guess" not in page


@pytest.fixture
def app_config(app_config):
    app_config["LOGIN_RATE_LIMIT"] = "3 per minute"
    return app_config


def test_too_many_failed_sign_ins_are_refused_with_a_friendly_page(client, users):
    for _ in range(3):
        assert client.login(users["admin"].email, "guessing wrong").status_code == 422
    blocked = client.login(users["admin"].email)  # even the right password waits now
    assert blocked.status_code == 429
    text = blocked.get_data(as_text=True)
    assert "Too many sign-in attempts" in text
    assert '<meta name="csrf-token"' in text  # in the layout, not a bare error
    assert int(blocked.headers["Retry-After"]) > 0
    assert client.get("/").status_code == 302


def test_successful_sign_ins_do_not_use_up_the_limit(client, users):
    for _ in range(4):
        assert client.login(users["admin"].email).status_code == 303


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_form_without_a_valid_csrf_token_is_refused_and_changes_nothing(app, users, token):
    browser = app.test_client()
    data = {"email": users["admin"].email, "password": TEST_PASSWORD}
    if token:
        data["csrf_token"] = token
    response = browser.post("/login", data=data)
    assert response.status_code == 400
    assert "This form has expired or was not sent from Chapar" in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302
    assert "login.succeeded" not in audit_actions()


def test_a_password_change_without_csrf_changes_nothing(client_as, users):
    browser = client_as("viewer")
    response = browser.raw.post("/account/password", data={
        "current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert password_works(users["viewer"], TEST_PASSWORD)


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "/\t/evil.example", "evil.example",
])
def test_sign_in_never_redirects_off_site(client, users, target):
    response = client.post("/login?next=x", {"email": users["viewer"].email, "password": TEST_PASSWORD,
                                             "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_that_asked(client, users):
    asked = client.get("/account/password?x=1")
    assert asked.status_code == 302
    assert "next=" in asked.headers["Location"]
    login_page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/account/password?x=1"' in login_page
    response = client.post("/login", {"email": users["viewer"].email, "password": TEST_PASSWORD,
                                      "next": "/account/password?x=1"})
    assert response.headers["Location"] == "/account/password?x=1"


def test_signing_in_starts_a_new_session(client, users):
    before = client.csrf_token()
    client.login(users["viewer"].email)
    assert client.csrf_token() != before


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")


def test_a_one_time_password_must_be_changed_before_anything_else(app, client, users):
    from chapar.users import create_user

    user = create_user("new@example.test", "one-time-secret", role="admin", must_change_password=True)
    response = client.login(user.email, "one-time-secret")
    assert response.headers["Location"].startswith("/account/password")
    for page in ("/", "/admin/users", "/account/tokens"):
        blocked = client.get(page)
        assert blocked.status_code == 302 and blocked.headers["Location"].startswith("/account/password")
    form = client.get("/account/password").get_data(as_text=True)
    assert "You signed in with a one-time password" in form
    done = client.post("/account/password", {"current_password": "one-time-secret", "new_password": NEW_PASSWORD,
                                              "confirm_password": NEW_PASSWORD})
    assert done.status_code == 303
    assert client.get("/").status_code == 200
    assert "password.changed" in audit_actions()


@pytest.mark.parametrize("fields, field, message", [
    ({"new_password": "short", "confirm_password": "short"}, "new_password", "Use at least 10 characters."),
    ({"confirm_password": "something else entirely"}, "confirm_password", "The two new passwords are not the same."),
    ({"current_password": "not my password"}, "current_password", "Your current password is not correct."),
    ({"new_password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD}, "new_password",
     "Choose a password different from the current one."),
])
def test_a_bad_password_change_says_what_is_wrong_and_changes_nothing(client_as, users, fields, field, message):
    browser = client_as("manager")
    data = {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    data.update(fields)
    response = browser.post("/account/password", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="field-{field}-error">{message}</p>' in page
    assert 'aria-invalid="true"' in page
    assert password_works(users["manager"], TEST_PASSWORD)
    assert "password.changed" not in audit_actions()


def test_changing_the_password_ends_other_sessions(app, client_as, users):
    here, elsewhere = client_as("marketer"), client_as("marketer")
    response = here.post("/account/password", {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD,
                                                "confirm_password": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Your password has been changed." in here.get("/").get_data(as_text=True)
    assert elsewhere.get("/").status_code == 302
    assert password_works(users["marketer"], NEW_PASSWORD)
    assert not password_works(users["marketer"], TEST_PASSWORD)


def test_sign_out_needs_a_post(client_as):
    browser = client_as("viewer")
    refused = browser.get("/logout")
    assert refused.status_code == 405
    assert "Not allowed here" in refused.get_data(as_text=True)
    assert browser.get("/").status_code == 200
    response = browser.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "You have signed out." in browser.get("/login").get_data(as_text=True)
    assert browser.get("/").status_code == 302
    assert audit_actions()[-1] == "logout"


def test_the_sign_in_page_offers_a_way_on_when_already_signed_in(client_as):
    page = client_as("viewer").get("/login").get_data(as_text=True)
    assert "You are signed in" in page and "viewer@example.test" in page


def test_an_inactive_user_cannot_sign_in(client, users):
    users["viewer"].active = False
    users["viewer"].save()
    assert GENERIC_FAILURE in client.login(users["viewer"].email).get_data(as_text=True)


def test_a_deactivated_users_session_stops_working(app, client_as, users):
    browser = client_as("viewer")
    users["viewer"].active = False
    users["viewer"].save()
    assert browser.get("/").status_code == 302

