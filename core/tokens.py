"""API tokens: generated with their secret shown once; only a SHA-256 of it is stored.

The secret has 256 bits of entropy, so a fast hash is enough (no password-style stretching).
"""
import hashlib
import secrets

from .models import ROLES, ApiToken, utcnow

TOKEN_PREFIX = "chp_"


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user, name, role=None):
    """Returns (ApiToken, secret). A token's role is at most its owner's."""
    role = role or user.role
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not user.can(role):
        raise ValueError(f"a {user.role} cannot create a token with role {role}")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValueError("a token needs a name of 1 to 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.create(user=user, name=name, role=role, prefix=secret[:10], token_hash=_digest(secret))
    return token, secret


def find_token(secret):
    """The active token for a presented secret, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.get_or_none(ApiToken.token_hash == _digest(secret))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def touch(token):
    ApiToken.update(last_used_at=utcnow()).where(ApiToken.id == token.id).execute()


def revoke(token):
    token.revoked_at = utcnow()
    token.save(only=[ApiToken.revoked_at])
