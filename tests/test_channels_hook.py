"""register_channels: a plugin's Channel becomes a medium programs can use, described by the API;
a plugin returning anything else, or a channel the core could not route, is switched off while
every other channel keeps working."""
import fixture_channel
import pytest
from fixture_plugin.testing import plugins  # noqa: F401 - a fixture

from chapar import Channel, Field, SendResult, hookimpl
from chapar.channels import channels, get_channel


@pytest.fixture
def fixture(plugins, database_url):  # noqa: F811 - registered before the app is built
    return plugins.fixture()


class Postcard(Channel):
    identifier = "postcard"
    label = "Postcard"
    address = "postal"
    cost_unit = "card"
    content_fields = (Field("text", "Text", kind="textarea", required=True, template=True),)

    def send(self, batch, settings):
        return [SendResult.accepted(message.id) for message in batch]


class NotAChannel:
    identifier = "fax"


class BadIdentifier(Postcard):
    identifier = "Post card!"


class BadAddress(Postcard):
    identifier = "pigeon"
    address = "carrier pigeon"


def plugin_returning(*items):
    class Plugin:
        @hookimpl
        def register_channels(self):
            return list(items)

    return Plugin()


@pytest.mark.hook("register_channels")
def test_a_plugin_channel_can_be_used_by_programs(fixture, api_as):
    installed = channels()
    assert list(installed) == ["fixture"] and isinstance(installed["fixture"], fixture_channel.RecordingChannel)
    assert fixture.calls_of("register_channels")
    described = api_as("viewer").get("/api/v1/channels/fixture").get_json()
    assert described["label"] == "Fixture channel" and [f["name"] for f in described["content_fields"]] == [
        "subject", "body"]
    campaign = api_as("manager").post("/api/v1/campaigns", json={"name": "Spring"}).get_json()
    program = api_as("marketer").post(f"/api/v1/campaigns/{campaign['id']}/programs", json={
        "name": "Hello", "channel": "fixture", "variants": {"": {"subject": "Hi", "body": "Hello"}}})
    assert program.status_code == 201 and program.get_json()["channel"] == "fixture"


@pytest.mark.hook("register_channels")
def test_channels_come_as_classes_or_instances_and_the_first_identifier_wins(fixture, plugins):  # noqa: F811
    plugins.register(plugin_returning(Postcard(), fixture_channel.RecordingChannel), name="postcards")
    installed = channels()
    assert list(installed) == ["fixture", "postcard"]  # in label order
    assert get_channel("postcard").address == "postal" and get_channel("postcard").consent_channel == "print"
    assert plugins.state("postcards").state == "active"


@pytest.mark.hook("register_channels")
def test_a_plugin_returning_something_else_is_broken_and_the_others_still_work(fixture, plugins, api_as):  # noqa: F811
    plugins.register(plugin_returning(NotAChannel), name="faxes", version="0.2")
    plugins.register(plugin_returning("postcard"), name="stringly")
    assert list(channels()) == ["fixture"]
    assert plugins.state("faxes").error == \
        "PluginError: register_channels must return Channel items, got type (in register_channels)"
    assert plugins.state("stringly").error == \
        "PluginError: register_channels must return Channel items, got str (in register_channels)"
    listed = api_as("viewer").get("/api/v1/channels")
    assert listed.status_code == 200 and [c["identifier"] for c in listed.get_json()["items"]] == ["fixture"]


@pytest.mark.hook("register_channels")
@pytest.mark.parametrize("bad, problem", [(BadIdentifier, "identifier must be letters, digits and underscores"),
                                          (BadAddress, "address must be one of email, mobile, fax, postal")])
def test_a_channel_the_core_cannot_route_is_refused(fixture, plugins, api_as, bad, problem):  # noqa: F811
    plugins.register(plugin_returning(bad), name="bad-channel")
    assert list(channels()) == ["fixture"]
    assert problem in plugins.state("bad-channel").error
    assert api_as("viewer").get("/api/v1/channels").get_json()["total"] == 1
