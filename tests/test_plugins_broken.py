"""A broken plugin never takes Chapar down: it is switched off, its error is shown on the
Plugins page and by `chapar plugins`, and every other plugin's results still appear."""
import pytest
from click.testing import CliRunner
from fixture_plugin.testing import fake_distribution, plugins  # noqa: F401 - fixtures

from chapar import MenuItem, hookimpl
from chapar.cli import cli, load_commands
from chapar.plugins import call_hook, call_hook_flat, load_plugins, plugin_states, pm


def state_of(name):
    return next((s for s in plugin_states()[0] if s.name == name), None)


class RaisesInAHook:
    @hookimpl
    def dashboard_panels(self):
        raise RuntimeError("the panel's data source is down")

    @hookimpl
    def menu_items(self):
        return [MenuItem("Raiser menu item", "/raiser")]


class BadSignature:
    @hookimpl
    def menu_items(self, request, user, colour):
        return []


class UnknownHook:
    @hookimpl
    def menu_item(self, user):  # a typo: the hook is menu_items
        return []


class WrongShape:
    @hookimpl
    def menu_items(self):
        return MenuItem("Not in a list", "/wrong")


@pytest.fixture
def with_fixture(plugins, database_url):  # noqa: F811
    """The fixture plugin, standing for "every other plugin", registered before the app."""
    return plugins.fixture()


@pytest.fixture
def chapar_command(app_config, monkeypatch):
    """chapar_command("plugins") -> the CliRunner result of that command, on the test's instance."""
    for setting, value in app_config.items():
        monkeypatch.setenv(f"CHAPAR_{setting}", value)
    saved = dict(cli.commands)

    def run(*args):
        load_commands()
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    yield run
    cli.commands.clear()
    cli.commands.update(saved)


def test_a_plugin_that_fails_to_import_is_broken_and_the_others_still_work(
        with_fixture, fake_distribution, client_as, chapar_command):  # noqa: F811
    fake_distribution("chapar-needs-lib", "2.0", {"needs-lib": "chapar_test_needs_lib"},
                      {"chapar_test_needs_lib": "import chapar_missing_dependency\n"})
    load_plugins(entry_points=True)
    state = state_of("needs-lib")
    assert (state.state, state.version) == ("broken", "2.0")
    assert state.error == "ModuleNotFoundError: No module named 'chapar_missing_dependency'"
    assert "Traceback" in state.detail
    page = client_as("admin").get("/")
    assert page.status_code == 200 and "Fixture panel" in page.get_data(as_text=True)
    plugins_page = client_as("admin").get("/admin/plugins").get_data(as_text=True)
    assert "needs-lib" in plugins_page and "chapar_missing_dependency" in plugins_page
    result = chapar_command("plugins")
    assert "needs-lib  2.0  broken" in result.output
    assert "error: ModuleNotFoundError: No module named 'chapar_missing_dependency'" in result.output
    assert "fixture_plugin  1.0  active" in result.output
    detailed = chapar_command("plugins", "--traceback").output
    assert "    Traceback (most recent call last):" in detailed and "import chapar_missing_dependency" in detailed


def test_a_plugin_that_raises_in_a_hook_is_switched_off(with_fixture, plugins, client_as, chapar_command):  # noqa: F811
    plugins.register(RaisesInAHook(), name="raiser", version="0.3")
    page = client_as("admin").get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Fixture panel" in html and "Fixture menu item" in html
    # The dashboard asked for panels before the layout asked for the menu: by then it was off.
    assert "Raiser menu item" not in html
    assert state_of("raiser").error == "RuntimeError: the panel's data source is down (in dashboard_panels)"
    result = chapar_command("plugins")
    assert "raiser  0.3  broken  hooks: dashboard_panels, menu_items" in result.output
    assert "error: RuntimeError: the panel's data source is down (in dashboard_panels)" in result.output


def test_a_plugin_with_a_bad_hook_signature_is_never_registered(with_fixture, plugins, client_as):  # noqa: F811
    plugins.register(BadSignature(), name="bad-signature")
    assert pm.get_plugin("bad-signature") is None
    state = state_of("bad-signature")
    assert state.error.startswith("PluginValidationError") and "colour" in state.error
    assert "Fixture menu item" in client_as("viewer").get("/").get_data(as_text=True)


def test_a_plugin_implementing_an_unknown_hook_is_broken(plugins):  # noqa: F811
    plugins.register(UnknownHook(), name="typo")
    assert pm.get_plugin("typo") is None
    assert state_of("typo").error.startswith("PluginError: unknown hook 'menu_item'")


def test_a_plugin_returning_the_wrong_shape_is_switched_off(with_fixture, plugins, client_as):  # noqa: F811
    plugins.register(WrongShape(), name="wrong-shape")
    html = client_as("viewer").get("/").get_data(as_text=True)
    assert "Fixture menu item" in html and "Not in a list" not in html
    assert state_of("wrong-shape").error == \
        "PluginError: menu_items must return a list of MenuItem, not MenuItem (in menu_items)"


def test_a_caller_passing_the_wrong_arguments_gets_the_error_not_the_plugin(plugins):  # noqa: F811
    fixture = plugins.fixture()
    with pytest.raises(TypeError, match=r"missing \['request'\]"):
        call_hook_flat("menu_items", user=None)
    with pytest.raises(TypeError, match=r"unexpected \['colour'\]"):
        call_hook("track_event", event=None, colour="red")
    with pytest.raises(TypeError, match="no hook named 'menu_item'"):
        call_hook("menu_item", user=None)
    assert state_of(fixture.NAME).state == "active" and fixture.calls == []
