"""Finding, naming, ordering, disabling and isolating plugins."""
import shutil
import sys

import pytest
from fixture_plugin.testing import fake_distribution, isolated_plugins, plugins  # noqa: F401 - fixtures

from chapar import MenuItem, hookimpl
from chapar.plugins import call_hook_flat, load_plugins, plugin_states, pm

GREETER = '''
from chapar import DashboardPanel, hookimpl


@hookimpl
def dashboard_panels(user):
    return [DashboardPanel(title="Greeter panel", html="hello " + user.email)]
'''


def state_of(name):
    return next((s for s in plugin_states()[0] if s.name == name), None)


class Menu:
    """A plugin object contributing one menu item labelled `label`."""

    def __init__(self, label, **marker):
        self.label = label

        def menu_items():
            return [MenuItem(label, "/" + label)]

        self.menu_items = hookimpl(**marker)(menu_items)


class Failing:
    @hookimpl
    def menu_items(self):
        raise RuntimeError("down")


@pytest.fixture
def greeter(plugins, database_url, fake_distribution):  # noqa: F811
    """An installed-looking distribution `chapar-greeter` 3.1 whose entry point `greeter` is loaded."""
    fake_distribution("chapar-greeter", "3.1", {"greeter": "chapar_test_greeter"}, {"chapar_test_greeter": GREETER})
    load_plugins(entry_points=True)
    return "greeter"


def test_an_entry_point_plugin_is_named_by_its_entry_point_and_versioned_by_its_distribution(greeter, client_as):
    state = state_of("greeter")
    assert (state.state, state.version, state.module, state.origin) == ("active", "3.1", "chapar_test_greeter",
                                                                       "entrypoint")
    assert state.hooks == ["dashboard_panels"]
    assert "Greeter panel" in client_as("viewer").get("/").get_data(as_text=True)


def test_the_web_ui_is_the_builtin_plugin_webui(app):
    state = state_of("webui")
    assert state.builtin and state.module == "chapar.webui.plugin" and state.state == "active"
    assert {"register_blueprints", "menu_items", "dashboard_panels"} <= set(state.hooks)


def test_a_plugin_registered_in_code_is_described(plugins, app):  # noqa: F811
    plugins.fixture()
    state = state_of("fixture_plugin")
    assert (state.version, state.module, state.origin, state.state) == ("1.0", "fixture_plugin", "registered", "active")
    # The fixture plugin implements every hook there is.
    assert state.hooks == sorted(caller.name for caller in pm.hook.__dict__.values() if hasattr(caller, "has_spec")
                                 and caller.has_spec())


def test_a_disabled_plugin_is_never_imported(plugins, fake_distribution):  # noqa: F811
    fake_distribution("chapar-greeter", "3.1", {"greeter": "chapar_test_greeter"}, {"chapar_test_greeter": GREETER})
    load_plugins(disabled=["greeter"], entry_points=True)
    assert "chapar_test_greeter" not in sys.modules
    assert state_of("greeter") is None and [s.name for s in plugin_states()[1]] == ["greeter"]


def test_disabling_a_loaded_plugin_by_name_unloads_it(plugins, database_url, app_config):  # noqa: F811
    fixture = plugins.fixture()
    app_config["DISABLED_PLUGINS"] = "fixture_plugin, nonexistent"
    from chapar import create_app

    app = create_app(app_config)
    assert app.test_client().get("/fixture-plugin/").status_code == 404
    assert fixture.calls_of("startup") == [] and state_of("fixture_plugin") is None
    assert [s.name for s in plugin_states()[1]] == ["fixture_plugin", "nonexistent"]


def test_the_builtin_web_ui_can_be_disabled_too(plugins, app_config):  # noqa: F811
    from chapar import create_app

    app_config["DISABLED_PLUGINS"] = "webui"
    app = create_app(app_config)
    assert "webui" not in app.blueprints and pm.get_plugin("webui") is None
    assert app.test_client().get("/login").status_code == 404


def test_an_uninstalled_entry_point_plugin_is_dropped_on_the_next_load(plugins, fake_distribution):  # noqa: F811
    info = fake_distribution("chapar-greeter", "3.1", {"greeter": "chapar_test_greeter"},
                             {"chapar_test_greeter": GREETER})
    load_plugins(entry_points=True)
    assert pm.get_plugin("greeter") is not None
    shutil.rmtree(info)  # what pip uninstall does to the entry point
    load_plugins(entry_points=True)
    assert pm.get_plugin("greeter") is None and state_of("greeter") is None


def test_loading_again_keeps_plugins_and_the_errors_they_had(plugins):  # noqa: F811
    plugins.register(Failing(), name="failing")
    call_hook_flat("menu_items", request=None, user=None)
    load_plugins()
    assert pm.get_plugin("failing") is not None and state_of("failing").state == "broken"


def test_hooks_run_in_registration_order_unless_tryfirst_or_trylast(plugins):  # noqa: F811
    for plugin in (Menu("first"), Menu("second"), Menu("last", trylast=True), Menu("front", tryfirst=True)):
        plugins.register(plugin, name=plugin.label)
    labels = [item.label for item in call_hook_flat("menu_items", request=None, user=None)]
    assert [label for label in labels if label in ("first", "second", "last", "front")] == \
        ["front", "first", "second", "last"]


def test_isolated_plugins_leaves_no_trace(plugins, fake_distribution):  # noqa: F811
    def snapshot():
        return [(s.name, s.error) for s in plugin_states()[0]], dict(pm.list_name_plugin())

    fake_distribution("chapar-greeter", "3.1", {"greeter": "chapar_test_greeter"}, {"chapar_test_greeter": GREETER})
    before = snapshot()
    with isolated_plugins() as registry:
        registry.fixture()
        registry.register(Failing(), name="failing")
        load_plugins(entry_points=True)
        call_hook_flat("menu_items", request=None, user=None)  # breaks "failing", and webui (no request)
        assert snapshot() != before
    assert snapshot() == before


def test_registering_a_taken_name_is_the_callers_error(plugins):  # noqa: F811
    fixture = plugins.fixture()
    assert plugins.register(fixture, name=fixture.NAME) == fixture.NAME  # the same again: a no-op
    with pytest.raises(ValueError, match="already registered"):
        plugins.register(Menu("other"), name=fixture.NAME)
    with pytest.raises(ValueError, match="already registered"):
        plugins.register(fixture, name="fixture-again")
    assert state_of(fixture.NAME).state == "active"
