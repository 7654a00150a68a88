"""The Settings page: UI settings with per-field validation, and the start-up settings in force."""
import json

from chapar.models import AuditLog, SiteSetting

GOOD = {"organisation_name": "Pars Print", "default_locale": "fa", "default_time_zone": "Asia/Tehran",
        "default_country": "IR"}


def test_the_page_shows_defaults_and_the_start_up_settings(client_as):
    page = client_as("admin").get("/admin/settings").get_data(as_text=True)
    assert 'name="organisation_name"' in page
    assert '<option value="IR">' in page or 'value="IR"' in page
    assert "CHAPAR_JOB_TIMEOUT" in page and "600" in page
    assert 'value="UTC"' in page


def test_good_values_are_saved_and_audited(client_as):
    admin = client_as("admin")
    response = admin.post("/admin/settings", GOOD)
    assert response.status_code in (302, 303)
    assert "Settings saved." in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert SiteSetting.get_value("default_time_zone") == "Asia/Tehran"
    assert SiteSetting.get_value("default_country") == "IR"
    entry = AuditLog.get(AuditLog.action == "settings.changed")
    details = json.loads(entry.details)
    assert details["organisation_name"] == {"old": "", "new": "Pars Print"}
    assert details["default_time_zone"] == {"old": "UTC", "new": "Asia/Tehran"}


def test_a_bad_value_saves_nothing_and_keeps_what_was_typed(client_as):
    admin = client_as("admin")
    response = admin.post("/admin/settings", dict(GOOD, default_time_zone="Mars/Olympus", default_country="XX"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Pick a time zone from the list" in page
    assert "Nothing was saved" in page
    assert 'value="Pars Print"' in page and 'value="Mars/Olympus"' in page
    assert page.count('class="field-error"') == 2
    assert SiteSetting.get_value("organisation_name") is None
    assert not AuditLog.select().where(AuditLog.action == "settings.changed").exists()


def test_new_users_get_the_default_language(client_as):
    admin = client_as("admin")
    admin.post("/admin/settings", GOOD)
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert '<option value="fa" selected>' in form


def test_secrets_are_never_shown(app, client_as):
    settings = app.config["CHAPAR"]
    original = settings.REDIS_URL
    settings.REDIS_URL = "redis://:hunter2-secret@redis.internal:6379/0"
    try:
        page = client_as("admin").get("/admin/settings").get_data(as_text=True)
    finally:
        settings.REDIS_URL = original
    assert "hunter2-secret" not in page
    assert "redis.internal:6379" in page
    assert settings.SECRET_KEY not in page
