"""Core records. Each model lives in a file named for it."""
from .audit import AuditLog
from .base import BaseModel, utcnow
from .setting import SiteSetting
from .token import ApiToken
from .user import ROLES, User, role_at_least

CORE_MODELS = (User, ApiToken, AuditLog, SiteSetting)

__all__ = ["AuditLog", "ApiToken", "BaseModel", "CORE_MODELS", "ROLES", "SiteSetting", "User",
           "role_at_least", "utcnow"]
