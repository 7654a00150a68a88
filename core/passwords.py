"""Password hashing with argon2, and the rules a new password must meet."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 10
# argon2's time grows with the input and the sign-in form reads no more than this many
# characters, so a longer password could be set but never used.
MAX_LENGTH = 1024
# Compared against when the account does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("chapar-timing-equaliser")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
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
