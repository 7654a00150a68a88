"""Writing the audit log. Security-relevant actions call record() and nothing else."""
import json

from flask import has_request_context, request

from .models import AuditLog


def client_ip():
    return (request.remote_addr or "") if has_request_context() else ""


def record(action, actor=None, target="", **details):
    """Append one entry; `details` must be JSON-serialisable and never hold secrets."""
    return AuditLog.create(action=action, actor=actor, target=str(target)[:255], ip=client_ip(),
                           details=json.dumps(details, ensure_ascii=False, default=str) if details else "")
