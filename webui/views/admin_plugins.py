"""The admin Plugins page: every plugin with its version, origin, hooks and state."""
from chapar.access import require_role
from chapar.plugins import plugin_states

from . import blueprint
from .render import render


@blueprint.route("/admin/plugins")
@require_role("admin")
def admin_plugins():
    loaded, disabled = plugin_states()
    broken = sum(1 for state in loaded if state.error)
    return render("webui/admin/plugins.html", plugins=loaded, disabled=disabled, broken=broken)
