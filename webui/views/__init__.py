"""The web UI blueprint ("webui"). Each concern lives in its own module and adds routes to it.

Admin pages live in admin_*.py modules; every such module found here is imported so its routes
attach without editing this file. A module may either decorate routes with
`@blueprint.route` at import time or export `register(blueprint)`, which is called once.
"""
import importlib
import pkgutil

from flask import Blueprint

blueprint = Blueprint("webui", __name__, template_folder="../templates", static_folder="../static",
                      static_url_path="/static")

# Imported for their side effect of registering routes, handlers and context processors.
from . import auth, dashboard, errors, language, shell  # noqa: E402,F401
from . import contacts, contacts_bulk, contacts_form, contacts_merge, tags  # noqa: E402,F401
from . import segments  # noqa: E402,F401 - and segment_editor, which segments imports
from . import exports, imports  # noqa: E402,F401
from . import content_library, program_compose, program_form, program_preview  # noqa: E402,F401
from . import campaigns  # noqa: E402,F401 - and campaign_form, campaign_calendar, which it imports
from . import program_page  # noqa: E402,F401 - and program_actions, program_messages, which it imports


def _attach_admin_modules():
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module_info.name.startswith("admin_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(blueprint)


_attach_admin_modules()
