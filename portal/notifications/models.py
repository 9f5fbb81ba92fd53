"""The outbox: every e-mail is a row written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.enums import CodeEnum, check_in
from portal.core.time import utcnow
from portal.extensions import Model


class OutboxStatus(CodeEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboundEmail(Model):
    __tablename__ = "outbound_email"
    __table_args__ = (
        Index("ix_outbound_email_status_next", "status", "next_attempt_at"),
        check_in("status", OutboxStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5), default="de")
    template: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), default="")
    # extra mail headers (List-Unsubscribe, List-Unsubscribe-Post), name -> value
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class NotificationKind(CodeEnum):
    """What a mail is about; each person chooses per kind how they hear of it."""

    MESSAGES = "task_messages"
    NEW_NEEDS = "new_needs"
    REMINDERS = "reminders"
    ANNOUNCEMENTS = "announcements"


class DeliveryMode(CodeEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    NEVER = "never"


class NotificationPreference(Model):
    """A person's choice for one kind; without a row the kind's default holds
    (`portal.notifications.preferences.default_mode`)."""

    __tablename__ = "notification_preference"
    __table_args__ = (check_in("kind", NotificationKind), check_in("mode", DeliveryMode))

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), default=DeliveryMode.IMMEDIATE)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestItem(Model):
    """One entry of a person's next daily digest (deleted when the digest is queued)."""

    __tablename__ = "digest_item"
    __table_args__ = (
        Index("ix_digest_item_user", "user_id", "id"),
        check_in("kind", NotificationKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
