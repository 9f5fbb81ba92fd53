"""Signed, expiring tokens for e-mailed links."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

VERIFY = "verify-email"
RESET = "reset-password"
INVITE = "invitation"
ERASURE = "erase-account"
UNSUBSCRIBE = "unsubscribe"

_MAX_AGE_SETTING = {
    VERIFY: "EMAIL_VERIFY_MAX_AGE",
    RESET: "PASSWORD_RESET_MAX_AGE",
    INVITE: "INVITATION_MAX_AGE",
    ERASURE: "ERASURE_CONFIRM_MAX_AGE",
    UNSUBSCRIBE: "UNSUBSCRIBE_MAX_AGE",
}


class TokenInvalid(Exception):
    """The link is broken, forged or expired."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make_token(purpose: str, **data: Any) -> str:
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str) -> dict[str, Any]:
    max_age = current_app.config[_MAX_AGE_SETTING[purpose]]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenInvalid(expired=True) from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    if not isinstance(data, dict):
        raise TokenInvalid()
    return data
