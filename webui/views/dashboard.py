"""The dashboard: a grid of panels that plugins (the web UI included) contribute."""
import logging
from dataclasses import dataclass

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

from chapar.access import require_role
from chapar.models import utcnow
from chapar.plugins import call_hook_flat

from . import blueprint
from .render import render

log = logging.getLogger("chapar.webui")


@dataclass
class ShownPanel:
    title: str
    body: Markup
    failed: bool = False
    wide: bool = False


def _visible(panel, role):
    return hasattr(panel, "title") and hasattr(panel, "order") and role in getattr(panel, "roles", ())


def _render_panel(panel):
    """A panel's HTML. `html` is trusted plugin output; a failing template becomes a notice."""
    try:
        if panel.template:
            body = Markup(render_template(panel.template, **(panel.context or {})))
        else:
            body = Markup(panel.html)
    except Exception:
        log.exception("dashboard panel %r could not be rendered", panel.title)
        return ShownPanel(title=str(panel.title), body=Markup(""), failed=True)
    return ShownPanel(title=str(panel.title), body=body, wide=bool((panel.context or {}).get("wide")))


def visible_panels():
    """The current user's panels, in order; each plugin's failure stays inside its own card."""
    user = current_user._get_current_object()
    panels = [p for p in call_hook_flat("dashboard_panels", request=request, user=user) if _visible(p, user.role)]
    panels.sort(key=lambda p: (p.order, str(p.title)))
    return [_render_panel(panel) for panel in panels]


@blueprint.route("/")
@require_role("viewer")
def dashboard():
    return render("webui/dashboard.html", panels=visible_panels(), today=utcnow().date())
