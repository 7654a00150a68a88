"""Password hashing with argon2, and the rules a new password must meet."""
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 10
# argon2's time grows with the input and the sign-in form reads no more than this many
# characters, so a longer password could be set but never used.
MAX_LENGTH = 1024


@functools.cache
def _dummy_hash():
    """Checked against when the account does not exist, so both paths take the same time."""
    # Made on first use, not at import: an argon2 hash takes 64 MB, which every worker and
    # command would otherwise carry without ever checking a password.
    return _hasher.hash("chapar-timing-equaliser")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password):
    """A reason the password is unacceptable, or None. Messages are translatable by callers."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if password.strip() == "":
        return "blank"
    if len(password) > MAX_LENGTH:
        return "too_long"
    return None
