"""Chapar: a self-hosted campaign manager. These names are the public API for plugins."""
from .access import require_role
from .api import PageArgsSchema, api_abort, page_of, paginate, register_api_blueprint
from .app import create_app
from .audit import record as record_audit
from .channels import Channel, Estimate, Field, OutgoingMessage, SendResult, channel_settings, clean_value
from .config import ConfigError
from .contacts.consent import change_consent, opt_out
from .contacts.phones import read_phone
from .contacts.timeline import TimelineEntry
from .db import db
from .documents import DocumentError, render_pdf
from .events import Event, record_event, track
from .hookspecs import hookimpl
from .http_templates import (ERROR_CHARS, answer_passes, connection_dropped, dig_json, fill_template, header_escape,
                             id_in_answer, json_escape, parse_headers, parse_retry_after, parse_status_map,
                             unknown_placeholders, url_escape)
from .inbound import record_inbound
from .models import BaseModel, Campaign, Contact, EventRecord, InboundMessage, Message, Program, utcnow
from .plugin_kinds import InstanceCache, load_plugin_manager, registered_kinds
from .provider_accounts import ProviderAccounts
from .queue import enqueue, get_queue, get_redis
from .security import cap_request_body, csrf_exempt, rate_limit
from .segments import SegmentFilter
from .settings_forms import clean_settings, is_secret
from .ui import DashboardPanel, MenuItem

__version__ = "0.1.0"

__all__ = [
    "api_abort", "BaseModel", "Campaign", "change_consent", "Channel", "channel_settings", "clean_value", "ConfigError",
    "Contact", "create_app", "cap_request_body", "csrf_exempt", "DashboardPanel", "db", "DocumentError", "enqueue", "Estimate", "Event",
    "EventRecord", "Field", "get_queue", "get_redis", "hookimpl", "InboundMessage", "MenuItem", "Message",
    "opt_out", "OutgoingMessage", "page_of", "PageArgsSchema", "paginate", "Program", "rate_limit", "record_audit",
    "record_event", "record_inbound", "register_api_blueprint", "render_pdf", "require_role", "SegmentFilter",
    "SendResult", "TimelineEntry", "track", "utcnow", "__version__",
    # the generic HTTP gateways' templates and answers (http_templates.py)
    "answer_passes", "connection_dropped", "dig_json", "ERROR_CHARS", "fill_template", "header_escape", "id_in_answer",
    "json_escape", "parse_headers", "parse_retry_after", "parse_status_map", "unknown_placeholders", "url_escape",
    # provider accounts (gateways, lines, identities) and their kinds' settings (provider_accounts.py and friends)
    "ProviderAccounts", "clean_settings", "is_secret", "load_plugin_manager", "registered_kinds", "InstanceCache",
    # phone numbers as people type them, for channels (contacts/phones.py)
    "read_phone",
]
