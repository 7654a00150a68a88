"""Hook specifications: the whole seam between the core and plugins.

Implementations may accept any subset of a hook's arguments, by name. docs/plugin-hooks.md
documents each one, and tests fail when a hook here is missing from it or has no test of its own.
"""
import pluggy

hookspec = pluggy.HookspecMarker("chapar")
hookimpl = pluggy.HookimplMarker("chapar")


@hookspec
def startup(app):
    """Called once when `app` (the Flask app) is built, after blueprints are mounted; return nothing."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to `cli`, the `chapar` command group; return nothing."""


@hookspec
def register_blueprints(app):
    """Return a list of Flask Blueprints to mount on `app`."""


@hookspec
def menu_items(request, user):
    """Return a list of MenuItem for the navigation of the logged-in `user` on `request`."""


@hookspec
def dashboard_panels(request, user):
    """Return a list of DashboardPanel for the dashboard of the logged-in `user`."""


@hookspec
def program_actions(program, user):
    """Return a list of MenuItem: links shown with a program's buttons (a print batch, a report)."""


@hookspec
def extra_template_vars(template, request, user):
    """Return a dict of extra variables for rendering the template named `template`."""


@hookspec
def track_event(event):
    """Observe `event`, an Event (name, actor, properties, created_at); return nothing."""


@hookspec
def register_segment_filters():
    """Return a list of SegmentFilter objects adding conditions to the segment filter language."""


@hookspec
def contact_timeline(contact):
    """Return a list of TimelineEntry items that happened to `contact`, for its page."""


@hookspec
def register_channels():
    """Return a list of chapar.Channel subclasses (or instances): the media programs can use."""


@hookspec
def periodic():
    """Called every CHAPAR_RECONCILE_SECONDS by one worker, in an app context: enqueue what is due."""
