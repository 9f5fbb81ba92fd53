"""The read side: a conversation's messages, and unread counts per need for list pages.

The per-need counts cost a statement only when the user has anything unread at all (the total
is on the user row): list pages of someone with nothing unread issue no extra statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.orm import joinedload

from portal.conversations.models import ConversationMessage, ConversationRead
from portal.conversations.rules import Access
from portal.extensions import db


def messages_stmt(need_id: int, access: Access) -> Select[Any]:
    """Newest first; a former member sees what was written until their claim ended."""
    stmt = (
        select(ConversationMessage)
        .where(ConversationMessage.need_id == need_id)
        .options(joinedload(ConversationMessage.author))
        .order_by(ConversationMessage.id.desc())
    )
    if access.until is not None:
        stmt = stmt.where(ConversationMessage.created_at <= access.until)
    return stmt


def unread_by_need(user: Any, need_ids: Iterable[int]) -> dict[int, int]:
    """need id -> unread messages of ``user`` (only needs with any)."""
    ids = list(need_ids)
    if not ids or not getattr(user, "unread_messages", 0):
        return {}
    found = db.session.execute(_unread_statement(), {"reader": user.id, "need_ids": ids})
    return {row[0]: row[1] for row in found}


@cache
def _unread_statement() -> Select[Any]:
    """Built once: the unread counts of ``reader`` on the needs ``need_ids``."""
    return select(ConversationRead.need_id, ConversationRead.unread).where(
        ConversationRead.user_id == bindparam("reader", type_=Integer),
        ConversationRead.need_id.in_(bindparam("need_ids", type_=Integer, expanding=True)),
        ConversationRead.unread > 0,
    )
