"""User accounts and role memberships."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.enums import CodeEnum, check_in
from portal.core.labels import label
from portal.core.time import utcnow
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.municipalities.models import Municipality, Office


class Role(CodeEnum):
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    MANAGER = "manager"
    ADMIN = "admin"
    OFFICE_LEAD = "office_lead"  # Leitung der Außenstelle: the figures of its office


#: The staff: roles that see special-category data or the county's figures (they sign in with
#: a second factor, their sessions end when idle).
STAFF_ROLES = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN, Role.OFFICE_LEAD)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, Model):
    """A person who can log in. E-mail addresses are stored lower-cased (the database refuses
    anything else) and unique, so one address has one account whatever its case, and the
    look-up by address (`find_user_by_email`) is an equality on the unique index."""

    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("unread_messages >= 0", name="unread_messages_not_negative"),
    )
    __allow_unmapped__ = True  # login_secret below is not a column

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(5), default="de")
    email_verified_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Rotated on every password change and on "log out everywhere": ends every sign-in
    # session and voids reset links.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    # The version of the privacy notice (PRIVACY_NOTICE_VERSION) this person last acknowledged,
    # and when; a newer version is put before them at their next request (portal.legal.notice).
    privacy_version: Mapped[str] = mapped_column(String(20), default="", server_default="")
    privacy_acknowledged_at: Mapped[datetime | None]
    # Erasure (GDPR Art. 17): the request waiting for the e-mailed confirmation, and the time
    # the account was erased (the row stays as a tombstone without personal data, so that the
    # reports and hours it wrote keep their place in the records).
    erasure_requested_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None] = mapped_column(index=True)
    # Retention: when the "your account will be erased for inactivity" warning went out.
    inactivity_warned_at: Mapped[datetime | None]
    # unread messages over all conversations (the sum of conversation_read.unread), kept in
    # the transaction of every write and read: the navigation shows it without a query
    unread_messages: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    #: The secret of the sign-in session (`portal.auth.sessions`) this object was loaded for or
    #: signed in with; never stored, only its digest is.
    login_secret: str | None = None

    # Flask-Login: what the session and the remember-me cookie carry
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}:{self.login_secret or ''}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> set[str]:
        return {m.role for m in self.memberships}

    @property
    def shown_name(self) -> str:
        """The name pages show: an erased account's author is "ehemalige/r Ehrenamtliche/r"."""
        if self.erased_at is not None:
            return label("person", "former_volunteer")
        return self.display_name

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(Model):
    """A role held by a user, scoped to a municipality or an office (or nothing: admin,
    volunteer). An office scope covers every municipality the office serves."""

    __tablename__ = "membership"
    __table_args__ = (
        CheckConstraint(
            "NOT (municipality_id IS NOT NULL AND office_id IS NOT NULL)", name="one_scope"
        ),
        check_in("role", Role),
        Index("ix_membership_role_municipality", "role", "municipality_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE")
    )
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    user: Mapped[User] = relationship(back_populates="memberships")
    municipality: Mapped[Municipality | None] = relationship(lazy="joined")
    office: Mapped[Office | None] = relationship(lazy="joined")
