"""The web UI's own hook implementations: it plugs in exactly like any third-party plugin."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from chapar import DashboardPanel, MenuItem, hookimpl

ALL_ROLES = ("admin", "manager", "marketer", "viewer")


@hookimpl
def register_blueprints(app):
    """Mount the web UI (pages, static files, error pages)."""
    from .views import blueprint

    return [blueprint]


@hookimpl
def menu_items(user):
    """The built-in pages: the dashboard and API tokens for everyone, administration by role."""
    return [
        MenuItem(_l("Dashboard"), url_for("webui.dashboard"), order=0),
        MenuItem(_l("Contacts"), "/contacts", order=10),
        MenuItem(_l("Tags"), "/tags", order=12),
        MenuItem(_l("Segments"), "/segments", order=14),
        MenuItem(_l("Import contacts"), "/imports", roles=("admin", "manager", "marketer"), order=16),
        MenuItem(_l("Export contacts"), "/contacts/export", roles=("admin", "manager"), order=17),
        MenuItem(_l("Content"), "/content", order=22),
        MenuItem(_l("Campaigns"), "/campaigns", order=20),
        MenuItem(_l("API tokens"), "/account/tokens", order=900),
        MenuItem(_l("Users"), "/admin/users", roles=("admin",), order=100, section="admin"),
        MenuItem(_l("Jobs"), "/admin/jobs", roles=("admin", "manager"), order=200, section="admin"),
        MenuItem(_l("Custom fields"), "/admin/fields", roles=("admin",), order=150, section="admin"),
        MenuItem(_l("Channels"), "/admin/channels", roles=("admin",), order=160, section="admin"),
        MenuItem(_l("Plugins"), "/admin/plugins", roles=("admin",), order=300, section="admin"),
        MenuItem(_l("Settings"), "/admin/settings", roles=("admin",), order=400, section="admin"),
        MenuItem(_l("Audit log"), "/admin/audit", roles=("admin",), order=500, section="admin"),
    ]


@hookimpl
def dashboard_panels(user):
    """A getting-started card for everyone and a system status card for admins and managers."""
    from .panels import getting_started, system_status

    panels = [DashboardPanel(_l("Getting started"), template="webui/partials/panel_welcome.html",
                             context={"steps": getting_started(user)}, order=0, roles=ALL_ROLES)]
    if user.can("manager"):  # only gather the figures for those who see them
        panels.append(DashboardPanel(_l("System status"), template="webui/partials/panel_status.html",
                                     context=system_status(), order=10, roles=("admin", "manager")))
    return panels


@hookimpl
def contact_timeline(contact):
    """The contact's messages and the events recorded on them (opened, clicked, replied…)."""
    from .message_timeline import contact_entries

    return contact_entries(contact)
