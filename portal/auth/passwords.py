"""Password hashing with Argon2id."""

from __future__ import annotations

from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@cache
def _hasher_for(cheap: bool) -> PasswordHasher:
    if cheap:
        # Argon2id still, with minimal cost: only for the test suite (PASSWORD_HASH_CHEAP).
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()  # argon2-cffi's RFC 9106 low-memory profile


class _Hasher:
    def __getattr__(self, name: str) -> Any:
        cheap = has_app_context() and current_app.config.get("PASSWORD_HASH_CHEAP", False)
        return getattr(_hasher_for(bool(cheap)), name)


_hasher = _Hasher()

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def spend_hash_effort(password: str) -> None:
    """Do the work of one hash and forget it: paths that need no hash (an unknown address at
    log-in, a registered one at sign-up) take as long as those that do, so the time of an
    answer does not tell whether an address is registered."""
    _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; without a hash (unknown account, no password yet) the same effort
    is spent and the answer is False."""
    if not password_hash:
        spend_hash_effort(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
