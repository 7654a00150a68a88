"""People who log in, and the roles that say what each may do."""
from peewee import BooleanField, CharField, DateTimeField

from .base import BaseModel, utcnow

# Ordered from most to least powerful; docs/operations.md says what each may do.
ROLES = ("admin", "manager", "marketer", "viewer")


def role_at_least(role, required):
    """True when `role` is as powerful as `required` or more."""
    return role in ROLES and ROLES.index(role) <= ROLES.index(required)


class User(BaseModel):
    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=200, default="")
    password_hash = CharField(max_length=255)
    role = CharField(max_length=20, default="viewer")
    locale = CharField(max_length=10, default="")
    must_change_password = BooleanField(default=False)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    # Flask-Login's protocol
    is_anonymous = False

    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return str(self.id)

    def can(self, required_role):
        return role_at_least(self.role, required_role)
