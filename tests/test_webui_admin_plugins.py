"""The Plugins page shows every plugin with its version, hooks and state, broken ones included."""
import pytest

from chapar import hookimpl
from chapar.plugins import call_hook, register_plugin, unregister_plugin


class BrokenPlugin:
    __name__ = "broken_for_test"

    @hookimpl
    def startup(self, app):
        raise RuntimeError("the SMS gateway URL is missing")


@pytest.fixture
def broken_plugin(app):
    name = register_plugin(BrokenPlugin(), name="broken_for_test", version="9.9")
    call_hook("startup", app=app)
    yield name
    unregister_plugin(name)


@pytest.fixture
def app_config(app_config):
    """Every test here runs with one (uninstalled) plugin disabled by name."""
    app_config["DISABLED_PLUGINS"] = "chapar-fax"
    return app_config


def test_the_builtin_web_ui_is_listed_with_its_hooks(client_as):
    page = client_as("admin").get("/admin/plugins").get_data(as_text=True)
    assert "chapar.webui" in page
    assert "register_blueprints" in page
    assert "Built in" in page and "Active" in page


def test_a_broken_plugin_shows_its_error_and_traceback(client_as, broken_plugin):
    page = client_as("admin").get("/admin/plugins").get_data(as_text=True)
    assert "broken_for_test" in page and "9.9" in page
    assert "RuntimeError: the SMS gateway URL is missing" in page
    assert "<details>" in page and "Traceback (most recent call last)" in page
    assert "1 plugin is broken" in page


def test_a_disabled_plugin_is_named(client_as):
    page = client_as("admin").get("/admin/plugins").get_data(as_text=True)
    assert "chapar-fax" in page and "CHAPAR_DISABLED_PLUGINS" in page
