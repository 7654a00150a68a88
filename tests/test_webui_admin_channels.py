"""The generic channel settings page: admins only, secrets never shown back, test connection."""
import pytest
from programs_support import channel, plugins  # noqa: F401 - fixtures

import fixture_channel
from chapar import Field, hookimpl
from chapar.channels import channel_settings
from chapar.models import AuditLog


def text_of(response):
    return response.get_data(as_text=True)


class CheckedChannel(fixture_channel.RecordingChannel):
    """The fixture channel with a provider that checks its API key."""

    identifier, label = "checked", "Checked channel"
    settings_fields = (Field("api_key", "API key", kind="password", secret=True, required=True),)

    def test_connection(self, settings):
        if settings.get("api_key") != "s3cret":
            raise PermissionError("401: the API key was refused")
        return "Hello from the provider"


class PostcardChannel(fixture_channel.RecordingChannel):
    """A third-party channel billed per a unit it gives no translation for (no `cost_unit_label`)."""

    identifier, label, cost_unit = "postcard", "Postcard", "card"


class ChannelsPlugin:
    """A plugin registering the channel classes it is given."""

    def __init__(self, *classes):
        self.classes = list(classes)

    @hookimpl
    def register_channels(self):
        return self.classes


@pytest.fixture
def admin(client_as, channel):
    return client_as("admin")


def test_only_admins_see_and_change_channels(client_as, channel):
    manager = client_as("manager")
    for url in ("/admin/channels", "/admin/channels/fixture"):
        assert manager.get(url).status_code == 403, url
    assert manager.post("/admin/channels/fixture", {"rate_per_second": "5"}).status_code == 403
    assert manager.post("/admin/channels/fixture/test").status_code == 403
    assert channel_settings("fixture").get("rate_per_second") in (None, "")
    admin = client_as("admin")
    assert admin.get("/admin/channels/nothing").status_code == 404
    listing = text_of(admin.get("/admin/channels"))
    assert "Fixture channel" in listing and "Ready" in listing and 'href="/admin/channels"' in listing


def test_saving_keeps_the_secret_and_never_shows_it(admin):
    saved = admin.post("/admin/channels/fixture", {"rate_per_second": "12.5", "api_key": "s3cret"})
    assert saved.status_code == 302
    assert channel_settings("fixture")["api_key"] == "s3cret" and channel_settings("fixture")["rate_per_second"] == 12.5
    page = text_of(admin.get("/admin/channels/fixture"))
    assert "s3cret" not in page and "Set — leave empty to keep it." in page and 'value="12.5"' in page
    again = admin.post("/admin/channels/fixture", {"rate_per_second": "20", "api_key": ""})
    assert again.status_code == 302
    assert channel_settings("fixture")["api_key"] == "s3cret" and channel_settings("fixture")["rate_per_second"] == 20
    entry = AuditLog.select().where(AuditLog.action == "channel.settings_saved").order_by(AuditLog.id.desc()).get()
    assert "s3cret" not in entry.details and "rate_per_second" in entry.details


def test_bad_settings_are_refused_with_the_typed_values_kept(admin):
    response = admin.post("/admin/channels/fixture", {"rate_per_second": "fast", "api_key": "typed-secret"})
    page = text_of(response)
    assert response.status_code == 422 and "Enter a number" in page and 'value="fast"' in page
    assert "typed-secret" not in page and "Not set." in page
    assert not channel_settings("fixture").get("api_key")


def test_test_connection_shows_the_reply_or_the_error(client_as, plugins):  # noqa: F811
    plugins.register(ChannelsPlugin(CheckedChannel), name="checked_channel")
    admin = client_as("admin")
    listing = text_of(admin.get("/admin/channels"))
    assert "Needs settings" in listing and "API key" in listing
    failed = text_of(admin.post("/admin/channels/checked/test"))
    assert "The connection failed: PermissionError: 401: the API key was refused" in failed
    admin.post("/admin/channels/checked", {"api_key": "s3cret"})
    works = text_of(admin.post("/admin/channels/checked/test"))
    assert "The connection works. Hello from the provider" in works and "s3cret" not in works
    assert "Needs settings" not in text_of(admin.get("/admin/channels"))


def test_the_unit_billed_reads_in_the_admins_language(client_as, users, channel, plugins):  # noqa: F811
    plugins.register(ChannelsPlugin(PostcardChannel), name="postcard_channel")
    assert "Billed per: message" in text_of(client_as("admin").get("/admin/channels/fixture"))
    users["admin"].locale = "fa"
    users["admin"].save()
    admin = client_as("admin")
    assert "واحد هزینه: پیام" in text_of(admin.get("/admin/channels/fixture"))  # the default unit, translated
    assert "واحد هزینه: card" in text_of(admin.get("/admin/channels/postcard"))  # no label: the unit as it is
