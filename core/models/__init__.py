"""Core records. Each model lives in a file named for it."""
from .audit import AuditLog
from .base import BaseModel, utcnow
from .consent import CONSENT_METHODS, ConsentRecord
from .contact import CHANNELS, CONSENT_STATUSES, SOURCES, Contact
from .custom_field import FIELD_KINDS, ContactFieldValue, CustomField
from .import_job import IMPORT_STATUSES, ImportJob
from .segment import Segment
from .setting import SiteSetting
from .tag import ContactTag, Tag
from .token import ApiToken
from .user import ROLES, User, role_at_least

CORE_MODELS = (User, ApiToken, AuditLog, SiteSetting, Contact, ConsentRecord, Tag, ContactTag, CustomField,
               ContactFieldValue, Segment, ImportJob)

__all__ = ["AuditLog", "ApiToken", "BaseModel", "CHANNELS", "CONSENT_METHODS", "CONSENT_STATUSES", "CORE_MODELS",
           "ConsentRecord", "Contact", "ContactFieldValue", "ContactTag", "CustomField", "FIELD_KINDS",
           "IMPORT_STATUSES", "ImportJob", "ROLES", "SOURCES", "Segment", "SiteSetting", "Tag", "User",
           "role_at_least", "utcnow"]
