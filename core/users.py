"""Creating users and checking credentials, shared by the CLI, the web UI and the API."""
import secrets

from .models import ROLES, User, utcnow
from .passwords import hash_password, password_problem, verify_password


class UserError(ValueError):
    """Bad input for a user; `.code` says which rule, for a translated message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def normalise_email(email):
    return (email or "").strip().lower()


def create_user(email, password, role="viewer", name="", must_change_password=False, locale=""):
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise UserError("email", f"not a valid email address: {email!r}")
    if role not in ROLES:
        raise UserError("role", f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    problem = password_problem(password)
    if problem:
        raise UserError("password", f"password rejected: {problem}")
    if User.select().where(User.email == email).exists():
        raise UserError("duplicate", f"a user with email {email} already exists")
    return User.create(email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                       must_change_password=must_change_password, locale=locale)


def authenticate(email, password):
    """The active user with these credentials, or None. Takes the same time either way."""
    user = User.get_or_none(User.email == normalise_email(email))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    user.last_login_at = utcnow()
    user.save(only=[User.last_login_at])
    return user


def set_password(user, password):
    problem = password_problem(password)
    if problem:
        raise UserError("password", f"password rejected: {problem}")
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.save(only=[User.password_hash, User.must_change_password])


def one_time_password():
    return secrets.token_urlsafe(12)


def ensure_first_admin():
    """On an instance with no users, create admin@localhost with a one-time password.

    Returns (user, password) when created, or None.
    """
    if User.select().exists():
        return None
    from .audit import record

    password = one_time_password()
    user = create_user("admin@localhost", password, role="admin", name="Administrator",
                       must_change_password=True)
    record("user.created", target=user.email, role=user.role, via="first-run")
    return user, password
