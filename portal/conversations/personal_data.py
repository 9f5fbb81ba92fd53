"""What the conversations hold about a person, for the self-service data export: the messages
they wrote (with the task's title) and their read state."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.conversations.models import ConversationMessage, ConversationRead
from portal.core.personal_data import Field, Part
from portal.extensions import db
from portal.needs.models import Need


def collect(user: User) -> list[Part]:
    messages = db.session.execute(
        select(ConversationMessage, Need.title)
        .join(Need, Need.id == ConversationMessage.need_id)
        .where(ConversationMessage.author_id == user.id)
        .order_by(ConversationMessage.id)
    ).all()
    reads = db.session.execute(
        select(ConversationRead, Need.title)
        .join(Need, Need.id == ConversationRead.need_id)
        .where(ConversationRead.user_id == user.id)
        .order_by(ConversationRead.need_id)
    ).all()
    return [
        Part(
            "conversation_messages",
            _("Ihre Nachrichten zu Aufgaben"),
            [
                Field("task", _("Aufgabe")),
                Field("created_at", _("Geschrieben am")),
                Field("edited_at", _("Bearbeitet am")),
                Field("body", _("Text")),
            ],
            [
                {
                    "task": title,
                    "created_at": m.created_at,
                    "edited_at": m.edited_at,
                    "body": m.body,
                }
                for m, title in messages
            ],
        ),
        Part(
            "conversation_reads",
            _("Gelesene Gespräche"),
            [
                Field("task", _("Aufgabe")),
                Field("unread", _("Ungelesen")),
                Field("read_at", _("Zuletzt gelesen am")),
            ],
            [{"task": title, "unread": r.unread, "read_at": r.read_at} for r, title in reads],
        ),
    ]
