"""What every page shares: navigation, plugin template variables, vendor files, forced password change."""
import logging
from pathlib import Path

from flask import before_render_template, has_request_context, redirect, request, url_for
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from chapar.i18n import current_language, persian_digits
from chapar.plugins import call_hook, call_hook_flat

from . import blueprint
from .render import current_path

log = logging.getLogger("chapar.webui")
VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"
# Pages a user who must change their password may still reach.
_OPEN_WHILE_FORCED = {"webui.login", "webui.logout", "webui.change_password", "webui.set_language",
                      "webui.static", "plugin_static.serve"}


def _valid_item(item):
    return all(hasattr(item, attr) for attr in ("label", "href", "roles", "order", "section"))


def navigation():
    """The current user's menu: {"main": [...], "admin": [...], "active": href}. Cached per request.

    Kept on the request rather than g: g belongs to the app context, which can outlive a request.
    """
    cached = getattr(request, "chapar_nav", None)
    if cached is not None:
        return cached
    nav = {"main": [], "admin": [], "active": None}
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        items = [item for item in call_hook_flat("menu_items", request=request, user=user)
                 if _valid_item(item) and user.role in item.roles]
        items.sort(key=lambda item: (item.order, str(item.label)))
        for item in items:
            nav["admin" if item.section == "admin" else "main"].append(item)
        nav["active"] = _active_href([item.href for item in items], request.path)
    request.chapar_nav = nav
    return nav


def _active_href(hrefs, path):
    """The longest menu href that is this page or a parent of it (so /admin/users/3 lights Users)."""
    matches = [href for href in hrefs if href == path or (href != "/" and path.startswith(href.rstrip("/") + "/"))]
    return max(matches, key=len) if matches else None


def vendor_url(filename):
    """URL of a file copied by `python -m chapar.webui.vendor`, or None when it is absent.

    The layout skips what is missing, so pages still work (without htmx) before the install step.
    """
    if not (VENDOR_DIR / filename).is_file():
        return None
    return url_for("webui.static", filename=f"vendor/{filename}")


ROLE_LABELS = {"admin": _l("Admin"), "manager": _l("Manager"), "marketer": _l("Marketer"), "viewer": _l("Viewer")}


def role_label(role):
    return ROLE_LABELS.get(role, role)


@blueprint.app_template_filter("number")
def format_number(value):
    """A figure in the reader's language: 1,234 in English, ۱٬۲۳۴ in Persian."""
    text = format_decimal(value)
    return persian_digits(text).replace(",", "٬").replace(".", "٫") if current_language() == "fa" else text


@blueprint.app_context_processor
def _shell_context():
    return {"navigation": navigation, "vendor_url": vendor_url, "current_path": current_path,
            "role_label": role_label}


def _merge_plugin_vars(sender, template, context, **extra):
    """Merge plugins' extra_template_vars into a render; the view's own variables win."""
    if not has_request_context():
        return
    # Visitors come as Flask-Login's anonymous user (is_authenticated false), as documented.
    user = current_user._get_current_object()
    for result in call_hook("extra_template_vars", template=template.name, request=request, user=user):
        if isinstance(result, dict):
            for key, value in result.items():
                context.setdefault(key, value)
        else:
            log.warning("extra_template_vars returned %s, not a dict; ignored", type(result).__name__)


@blueprint.record_once
def _connect_signals(state):
    before_render_template.connect(_merge_plugin_vars, state.app)


@blueprint.before_app_request
def _force_password_change():
    """A user with a one-time password reaches nothing else until they choose their own."""
    if request.path.startswith("/api/") or request.endpoint in _OPEN_WHILE_FORCED:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("webui.change_password", next=current_path()))
    return None
