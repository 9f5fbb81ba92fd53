"""What the server keeps about sign-ins: the sign-in sessions a cookie points to, the second
factor (TOTP secret, recovery codes, remembered devices) and the admins' rule which roles need
it. Secrets that a cookie or a person carries are stored only as SHA-256 digests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.auth.models import Role
from portal.core.enums import check_in
from portal.core.time import utcnow
from portal.extensions import Model


class LoginSession(Model):
    """One signed-in browser. Its session cookie (and remember-me cookie) carries a secret whose
    digest is stored here: logging out deletes the row, so a copied cookie no longer signs in."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class TotpCredential(Model):
    """A user's authenticator app: the shared TOTP secret, confirmed once a first code matched.
    ``last_counter`` is the time step of the last code used: no code counts twice."""

    __tablename__ = "totp_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None]
    last_counter: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(Model):
    """A one-time code for signing in without the authenticator app."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrustedDevice(Model):
    """A browser on which the second factor is not asked again until ``expires_at`` (at most
    30 days); its signed cookie carries a secret whose digest is stored here."""

    __tablename__ = "trusted_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class TwoFactorPolicy(Model):
    """The admins' decision whether a role signs in with a second factor. A role without a row
    follows the setting TWO_FACTOR_REQUIRED_ROLES."""

    __tablename__ = "two_factor_policy"
    __table_args__ = (check_in("role", Role),)

    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    required: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
