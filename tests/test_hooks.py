"""Each hook, proven with the fixture plugin: the core calls it with the right arguments and
uses what it returns. Every test is marked @pytest.mark.hook("<name>") (test_plugins_docs.py
requires one per hook), and a marked test fails unless its hook really was called.
"""
import flask
import pytest
from click.testing import CliRunner
from fixture_plugin.testing import plugins  # noqa: F401 - a fixture

import chapar
from chapar import cli as chapar_cli
from chapar.cli import load_commands


@pytest.fixture
def fixture(plugins, database_url):  # noqa: F811
    """The fixture plugin, registered before the app is built (ask for it before `app`).

    database_url comes first so the session's template database is built without it.
    """
    return plugins.fixture()


@pytest.fixture(autouse=True)
def _marked_hook_was_called(request, plugins):  # noqa: F811
    yield
    marker = request.node.get_closest_marker("hook")
    if marker is not None:
        import fixture_plugin

        assert fixture_plugin.calls_of(marker.args[0]), f"the test never made the core call {marker.args[0]}"


@pytest.fixture
def restore_commands():
    saved = dict(chapar_cli.cli.commands)
    yield
    chapar_cli.cli.commands.clear()
    chapar_cli.cli.commands.update(saved)


@pytest.mark.hook("startup")
def test_hook_startup_is_called_once_with_the_built_app(fixture, app):
    assert fixture.calls_of("startup") == [{"app": app}]
    assert app.extensions["fixture_plugin"] == "started"
    # Called last: the plugin's blueprint is already mounted when startup sees the app.
    assert "fixture_plugin" in app.blueprints


@pytest.mark.hook("register_commands")
def test_hook_register_commands_adds_a_command_to_chapar(fixture, restore_commands, monkeypatch):
    monkeypatch.delenv("CHAPAR_DISABLED_PLUGINS", raising=False)
    cli = load_commands()
    assert fixture.calls_of("register_commands") == [{"cli": cli}]
    runner = CliRunner()
    help_text = runner.invoke(cli, ["--help"]).output
    assert "fixture-hello" in help_text and "Greet from the fixture plugin." in help_text
    assert "migrate" in help_text  # the built-in commands are still there
    result = runner.invoke(cli, ["fixture-hello", "--name", "Dariush"])
    assert result.exit_code == 0 and result.output == "hello Dariush from the fixture plugin\n"


@pytest.mark.hook("register_blueprints")
def test_hook_register_blueprints_mounts_the_plugins_routes(fixture, app, client):
    assert fixture.calls_of("register_blueprints") == [{"app": app}]
    response = client.get("/fixture-plugin/")
    assert response.status_code == 200
    # The page's template comes from the plugin's own templates/fixture_plugin/ folder.
    assert '<p id="greeting">' in response.get_data(as_text=True)


@pytest.mark.hook("menu_items")
def test_hook_menu_items_appear_in_the_navigation(fixture, client_as, users):
    page = client_as("manager").get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/fixture-plugin/"' in html and "Fixture menu item" in html
    call = fixture.calls_of("menu_items")[-1]
    assert isinstance(call["request"], flask.Request) and call["request"].path == "/"
    assert call["user"] == users["manager"]


@pytest.mark.hook("dashboard_panels")
def test_hook_dashboard_panels_appear_on_the_dashboard(fixture, client_as, users):
    html = client_as("admin").get("/").get_data(as_text=True)
    assert "Fixture panel" in html
    assert "<p>panel for admin@example.test</p>" in html
    call = fixture.calls_of("dashboard_panels")[-1]
    assert isinstance(call["request"], flask.Request) and call["user"] == users["admin"]


@pytest.mark.hook("extra_template_vars")
def test_hook_extra_template_vars_reach_the_template(fixture, client):
    html = client.get("/fixture-plugin/").get_data(as_text=True)
    assert '<p id="greeting">rendered fixture_plugin/page.html for /fixture-plugin/</p>' in html
    call = next(c for c in fixture.calls_of("extra_template_vars") if c["template"] == "fixture_plugin/page.html")
    assert isinstance(call["request"], flask.Request)
    assert not call["user"].is_authenticated  # an anonymous visitor


@pytest.mark.hook("extra_template_vars")
def test_hook_extra_template_vars_never_replace_the_views_own(fixture, app):
    with app.test_request_context("/somewhere"):
        rendered = flask.render_template_string("{{ fixture_greeting }}", fixture_greeting="the view")
    assert rendered == "the view"


@pytest.mark.hook("track_event")
def test_hook_track_event_receives_tracked_events(fixture, app):
    event = chapar.track("campaign.launched", campaign_id=7)
    assert fixture.calls_of("track_event") == [{"event": event}]
    assert isinstance(event, chapar.Event)
    assert (event.name, event.actor, event.properties) == ("campaign.launched", None, {"campaign_id": 7})
    assert event.created_at.tzinfo is not None


@pytest.mark.hook("track_event")
def test_hook_track_event_hears_a_login(fixture, client_as, users):
    client_as("viewer")
    events = [call["event"] for call in fixture.calls_of("track_event")]
    assert [(e.name, e.actor) for e in events] == [("user.logged_in", users["viewer"])]


@pytest.mark.hook("periodic")
def test_hook_periodic_runs_with_each_reconciler_pass_on_one_worker_at_a_time(fixture, app):
    from chapar.sending import reconcile_if_due

    assert reconcile_if_due(60) is not None
    assert fixture.calls_of("periodic") == [{}]
    assert reconcile_if_due(60) is None  # another worker's turn came too soon: nothing runs
    assert fixture.calls_of("periodic") == [{}]


@pytest.mark.hook("program_actions")
def test_hook_program_actions_add_links_to_a_programs_buttons_for_allowed_roles(fixture, client_as, users):
    from chapar.campaigns import save_campaign
    from chapar.programs import save_program

    campaign = save_campaign({"name": "Spring", "budget": "10"}, actor=users["manager"])
    program = save_program({"name": "Letters", "channel": "fixture",
                            "variants": {"": {"subject": "Hi", "body": "Dear {{ contact.first_name }}"}}},
                           campaign=campaign, actor=users["manager"])
    viewer_page = client_as("viewer").get(f"/programs/{program.id}").get_data(as_text=True)
    assert f'href="/fixture-plugin/?program={program.id}"' in viewer_page and "Fixture report of Letters" in viewer_page
    assert "Fixture admin tool" not in viewer_page
    assert "Fixture admin tool" in client_as("admin").get(f"/programs/{program.id}").get_data(as_text=True)
    call = fixture.calls_of("program_actions")[-1]
    assert call["program"].id == program.id and call["user"] == users["admin"]
