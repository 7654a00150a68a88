"""Core records. Each model lives in a file named for it."""
from .audit import AuditLog
from .base import BaseModel, utcnow
from .consent import CONSENT_METHODS, ConsentRecord
from .contact import CHANNELS, CONSENT_COLUMNS, CONSENT_STATUSES, SOURCES, Contact, contact_rows
from .campaign import CAMPAIGN_STATUSES, OBJECTIVE_METRICS, Campaign, CampaignTag
from .content_item import ContentItem
from .custom_field import FIELD_KINDS, ContactFieldValue, CustomField
from .event_record import EventRecord
from .import_job import IMPORT_STATUSES, ImportJob
from .inbound import InboundMessage
from .message import DELIVERED_STATUSES, FINAL_STATUSES, MESSAGE_STATUSES, PENDING_STATUSES, SKIP_REASONS, Message
from .program import (CONSENT_POLICIES, FINAL_PROGRAM_STATUSES, PROGRAM_STATUSES, SCHEDULE_KINDS,
                      Program)
from .segment import Segment
from .setting import SiteSetting
from .tag import ContactTag, Tag
from .token import ApiToken
from .user import ROLES, User, role_at_least

CORE_MODELS = (User, ApiToken, AuditLog, SiteSetting, Contact, ConsentRecord, Tag, ContactTag, CustomField,
               ContactFieldValue, Segment, ImportJob, Campaign, CampaignTag, ContentItem, Program, Message,
               InboundMessage, EventRecord)

__all__ = ["AuditLog", "ApiToken", "BaseModel", "CAMPAIGN_STATUSES", "CHANNELS", "CONSENT_POLICIES", "Campaign",
           "CampaignTag", "ContentItem", "EventRecord", "FINAL_PROGRAM_STATUSES", "FINAL_STATUSES",
           "DELIVERED_STATUSES", "InboundMessage", "MESSAGE_STATUSES", "Message", "OBJECTIVE_METRICS", "PENDING_STATUSES",
           "PROGRAM_STATUSES", "Program", "SCHEDULE_KINDS", "SKIP_REASONS", "CONSENT_COLUMNS", "CONSENT_METHODS",
           "CONSENT_STATUSES", "CORE_MODELS",
           "ConsentRecord", "Contact", "ContactFieldValue", "ContactTag", "CustomField", "FIELD_KINDS",
           "IMPORT_STATUSES", "ImportJob", "ROLES", "SOURCES", "Segment", "SiteSetting", "Tag", "User",
           "contact_rows", "role_at_least", "utcnow"]
