"""A plugin implementing every hook, for the core's tests.

Each implementation records how the core called it (see `calls_of`) and returns something a
user would notice: a command, a page, a menu item, a dashboard panel, a template variable, a channel.
Tests register it with chapar.plugins.register_plugin, through the `plugins` fixture
(fixture_plugin.testing), which undoes everything afterwards.
"""
import click
import fixture_channel
from flask import Blueprint, render_template
from markupsafe import Markup

from chapar import DashboardPanel, MenuItem, SegmentFilter, TimelineEntry, hookimpl, utcnow

NAME = "fixture_plugin"
calls = []  # (hook name, {argument: value}) in call order


def _record(hook, **arguments):
    # Keep the objects behind Flask's proxies (request, current_user): they outlive the request.
    calls.append((hook, {name: getattr(value, "_get_current_object", lambda v=value: v)()
                         for name, value in arguments.items()}))


def calls_of(hook):
    """The arguments of every call of `hook` so far, oldest first."""
    return [arguments for name, arguments in calls if name == hook]


@hookimpl
def startup(app):
    _record("startup", app=app)
    app.extensions[NAME] = "started"


@hookimpl
def register_commands(cli):
    _record("register_commands", cli=cli)

    @cli.command("fixture-hello")
    @click.option("--name", default="world")
    def fixture_hello(name):
        """Greet from the fixture plugin."""
        click.echo(f"hello {name} from the fixture plugin")


@hookimpl
def register_blueprints(app):
    _record("register_blueprints", app=app)
    blueprint = Blueprint(NAME, __name__)  # a new one per app: a Blueprint is bound when mounted

    @blueprint.route("/fixture-plugin/")
    def page():
        return render_template("fixture_plugin/page.html")

    return [blueprint]


@hookimpl
def menu_items(request, user):
    _record("menu_items", request=request, user=user)
    return [MenuItem(label="Fixture menu item", href="/fixture-plugin/", order=50)]


@hookimpl
def program_actions(program, user):
    _record("program_actions", program=program, user=user)
    return [MenuItem(label=f"Fixture report of {program.name}", href=f"/fixture-plugin/?program={program.id}"),
            MenuItem(label="Fixture admin tool", href="/fixture-plugin/", roles=("admin",))]


@hookimpl
def dashboard_panels(request, user):
    _record("dashboard_panels", request=request, user=user)
    return [DashboardPanel(title="Fixture panel", html=Markup(f"<p>panel for {user.email}</p>"), order=50)]


@hookimpl
def extra_template_vars(template, request, user):
    _record("extra_template_vars", template=template, request=request, user=user)
    return {"fixture_greeting": f"rendered {template} for {request.path}"}


@hookimpl
def track_event(event):
    _record("track_event", event=event)


@hookimpl
def periodic():
    _record("periodic")


def _id_parity(value, contact_id):
    return contact_id.bin_and(1) == (1 if value == "odd" else 0)


@hookimpl
def register_segment_filters():
    _record("register_segment_filters")
    return [SegmentFilter("fixture.id_parity", "Fixture: contact number is", _id_parity, value_kind="choice",
                          choices=[("odd", "odd"), ("even", "even")])]


@hookimpl
def contact_timeline(contact):
    _record("contact_timeline", contact=contact)
    return [TimelineEntry(when=utcnow(), title=f"Fixture message to contact {contact.id}", kind="message",
                          details=(("Channel", "fixture"),), text="Hello from the fixture plugin",
                          href="/fixture-plugin/")]


@hookimpl
def register_channels():
    _record("register_channels")
    return [fixture_channel.RecordingChannel]
