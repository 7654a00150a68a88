"""The sample plugin's hooks: a page, its menu item, a dashboard panel and a command. It
imports only chapar's public names."""
import click
from flask import Blueprint, render_template

from chapar import DashboardPanel, MenuItem, hookimpl, require_role

from .models import SampleNote

pages = Blueprint("chapar_sample", __name__, url_prefix="/sample")


@pages.route("/")
@require_role("viewer")
def index():
    notes = list(SampleNote.select().order_by(SampleNote.id))
    return render_template("chapar_sample/index.html", notes=notes)


@hookimpl
def register_commands(cli):
    @cli.command("sample-hello")
    def sample_hello():
        """Greet from the sample plugin."""
        click.echo("hello from the sample plugin")


@hookimpl
def register_blueprints(app):
    return [pages]


@hookimpl
def menu_items(user):
    return [MenuItem("Sample notes", "/sample/", order=60)]


@hookimpl
def dashboard_panels(user):
    return [DashboardPanel("Sample notes", template="chapar_sample/panel.html",
                           context={"count": SampleNote.select().count()}, order=60)]
