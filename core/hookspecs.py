"""Hook specifications: the whole seam between the core and plugins.

Implementations may accept any subset of a hook's arguments. docs/plugin-hooks.md documents
each one, and tests fail when a hook here is missing from it or has no test of its own.
"""
import pluggy

hookspec = pluggy.HookspecMarker("chapar")
hookimpl = pluggy.HookimplMarker("chapar")


@hookspec
def startup(app):
    """Called once after the app is built; prepare caches or check settings."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to the `chapar` command line group `cli`."""


@hookspec
def register_blueprints(app):
    """Return a list of Flask blueprints to mount on the app."""


@hookspec
def menu_items(request, user):
    """Return a list of MenuItem entries for the navigation, given the current user."""


@hookspec
def dashboard_panels(request, user):
    """Return a list of DashboardPanel entries to show on the dashboard."""


@hookspec
def extra_template_vars(template, request, user):
    """Return a dict of extra variables for rendering `template`."""


@hookspec
def track_event(event):
    """Observe an Event (name, actor, properties, created_at); return value is ignored."""
