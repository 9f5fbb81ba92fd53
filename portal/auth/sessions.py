"""Sign-in sessions kept on the server.

Sessions are signed cookies (several app processes share nothing but the database), so a
cookie alone cannot be taken back. Each sign-in therefore gets a row with the digest of a random
secret; the session cookie and the remember-me cookie carry ``<user id>:<session token>:<secret>``
and the user loader accepts them only while the row exists, has not expired, and the account's
session token (rotated on a password change and on "log out everywhere") still matches.
Logging out deletes the row: a copied cookie is worthless from then on.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Integer, Select, String, bindparam, delete, select
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.auth.models import User, new_session_token
from portal.auth.security_models import LoginSession, TrustedDevice
from portal.core.inputs import parse_id
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def lifetime(remember: bool) -> timedelta:
    """How long a sign-in lasts at most: the remember-me cookie's duration, else the session's
    (PERMANENT_SESSION_LIFETIME): even a browser left open signs in again after that."""
    key = "REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"
    value: timedelta = current_app.config[key]
    return value


@unit_of_work()
def start(user: User, remember: bool = False) -> str:
    """Record a completed sign-in (last log-in, audit) and open a session for it; returns its
    secret, which only the cookie carries. Expired sessions of the user are cleared."""
    now = utcnow()
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=digest(secret),
            remember=remember,
            created_at=now,
            expires_at=now + lifetime(remember),
        )
    )
    user.last_login_at = now
    audit.record("user.logged_in", actor=user, object_type="user", object_id=user.id)
    return secret


@cache
def _signed_in_user() -> Select[Any]:
    """The user of a session with their roles (every page asks for them), built once: every
    request runs it. A membership's municipality and office are loaded only when asked for
    (a few pages do): every page would otherwise build those objects."""
    return (
        select(User, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .options(joinedload(User.memberships).lazyload("*"))
        .where(
            User.id == bindparam("user_id", type_=Integer),
            LoginSession.token_hash == bindparam("token_hash", type_=String),
        )
    )


def user_for_login_id(login_id: str) -> User | None:
    """The user a session or remember-me cookie signs in, or None when it no longer counts."""
    uid, _, rest = login_id.partition(":")
    token, _, secret = rest.partition(":")
    user_id = parse_id(uid)
    if user_id is None or not (token and secret):
        return None
    parameters = {"user_id": user_id, "token_hash": digest(secret)}
    rows = db.session.execute(_signed_in_user(), parameters).unique().all()
    if not rows:
        return None
    user, expires_at = rows[0]
    if user.session_token != token or not user.active or expires_at <= utcnow():
        return None
    user.login_secret = secret
    return user


@unit_of_work()
def end(user: User) -> None:
    """Log out this browser: its session (and remember-me cookie) stops counting."""
    if user.login_secret:
        db.session.execute(
            delete(LoginSession).where(LoginSession.token_hash == digest(user.login_secret))
        )
    user.login_secret = None


def end_all_sessions(user: User) -> None:
    """Every session of the account stops counting (caller commits)."""
    user.session_token = new_session_token()
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.login_secret = None


@unit_of_work()
def end_everywhere(user: User) -> None:
    """Log out everywhere: every session, every remember-me cookie, every remembered device."""
    end_all_sessions(user)
    db.session.execute(delete(TrustedDevice).where(TrustedDevice.user_id == user.id))
    audit.record("user.logged_out_everywhere", actor=user, object_type="user", object_id=user.id)
