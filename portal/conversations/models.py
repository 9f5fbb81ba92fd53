"""A conversation per need: its messages, and per member how many of them are unread.

Each member's unread count for a need lives in ``conversation_read.unread``; the sum over a
user's rows is kept on the user row (``user.unread_messages``), which is loaded with the user
on every request anyway, so the navigation's badge costs no statement.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.enums import CodeEnum, check_in
from portal.core.time import utcnow
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.auth.models import User


class AuthorRole(CodeEnum):
    """In which capacity a message was written; "system" for the portal's own notes."""

    MANAGER = "manager"
    VOLUNTEER = "volunteer"
    SYSTEM = "system"


class ConversationMessage(Model):
    __tablename__ = "conversation_message"
    __table_args__ = (
        Index("ix_conversation_message_need", "need_id", "id"),
        check_in("author_role", AuthorRole),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    author_role: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship()


class ConversationRead(Model):
    """A member's read state of one need's conversation (created at the first message they
    did not write)."""

    __tablename__ = "conversation_read"
    __table_args__ = (CheckConstraint("unread >= 0", name="unread_not_negative"),)

    need_id: Mapped[int] = mapped_column(
        ForeignKey("need.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    unread: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    read_at: Mapped[datetime | None]
