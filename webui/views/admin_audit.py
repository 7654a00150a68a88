"""The audit log page: newest first, paginated, filtered by action."""
import json

from flask import request
from peewee import JOIN

from chapar.access import require_role
from chapar.models import AuditLog, User

from . import blueprint
from .render import paginate, render

PAGE_SIZE = 50


def _details(entry):
    """The entry's details as (key, value) pairs for display; old/new pairs read "old → new"."""
    try:
        details = json.loads(entry.details) if entry.details else {}
    except ValueError:
        return [("", entry.details)]
    pairs = []
    for key, value in details.items():
        if isinstance(value, dict) and set(value) == {"old", "new"}:
            value = f"{value['old']!s} → {value['new']!s}"
        pairs.append((key, value))
    return pairs


@blueprint.route("/admin/audit")
@require_role("admin")
def admin_audit():
    action = request.args.get("action", "").strip()
    query = (AuditLog.select(AuditLog, User).join(User, JOIN.LEFT_OUTER, on=(AuditLog.actor == User.id))
             .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()))
    if action:
        query = query.where(AuditLog.action == action)
    actions = [row.action for row in AuditLog.select(AuditLog.action).distinct().order_by(AuditLog.action)]
    return render("webui/admin/audit.html", page=paginate(query, per_page=PAGE_SIZE), action=action,
                  actions=actions, details=_details)
