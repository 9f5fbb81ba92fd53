"""An announcement and who received it (the volunteers' archive)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.enums import CodeEnum, check_in
from portal.core.time import utcnow
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.auth.models import User


class SenderRole(CodeEnum):
    COORDINATOR = "coordinator"
    MANAGER = "manager"


class Announcement(Model):
    __tablename__ = "announcement"
    __table_args__ = (
        Index("ix_announcement_sender_created", "sender_id", "created_at"),
        check_in("sender_role", SenderRole),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    sender_role: Mapped[str] = mapped_column(String(12))
    subject: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    # the audience as chosen: municipality ids, interests, languages
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sender: Mapped[User | None] = relationship()


class AnnouncementRecipient(Model):
    __tablename__ = "announcement_recipient"
    __table_args__ = (Index("ix_announcement_recipient_user", "user_id", "announcement_id"),)

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )

    announcement: Mapped[Announcement] = relationship()
