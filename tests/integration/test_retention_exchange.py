"""Retention of the exchange: messages a while after their task closed, old announcements."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.announcements.models import Announcement, AnnouncementRecipient
from portal.announcements.services import Audience, send_announcement
from portal.auth.models import User
from portal.conversations import services as conversations
from portal.conversations.models import ConversationMessage, ConversationRead
from portal.core.time import utcnow
from portal.extensions import db
from portal.needs.models import NeedStatus
from portal.privacy import retention
from tests import factories
from tests import factories_board as fb


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_messages_go_some_months_after_the_task_closed_and_counters_follow(app):
    world = fb.county()
    g = world["gaggenau"]
    closed = fb.once_need(g, created_by=world["manager"], capacity=2)
    running = fb.once_need(g, created_by=world["manager"], capacity=2)
    fb.assignment(closed, world["profile"])
    fb.assignment(running, world["profile"])
    db.session.commit()
    conversations.post_message(world["manager"], closed.id, "Alt")
    conversations.post_message(world["manager"], running.id, "Neu")
    closed.status = NeedStatus.COMPLETED
    db.session.commit()
    closed.closed_at = utcnow() - timedelta(days=400)
    db.session.commit()
    lena = world["volunteer"]
    assert db.session.get(User, lena.id).unread_messages == 2

    assert retention.run(dry_run=True)["conversation_messages"] == 1
    done = retention.run()
    assert done["conversation_messages"] == 1
    assert [m.body for m in db.session.scalars(select(ConversationMessage))] == ["Neu"]
    assert count(ConversationRead) == 1
    db.session.expire_all()
    assert db.session.get(User, lena.id).unread_messages == 1
    assert retention.run()["conversation_messages"] == 0


def test_announcements_go_after_their_period(app):
    world = fb.county()
    coordinator = factories.coordinator(world["gaggenau"], email="ko@example.org")
    db.session.commit()
    old = send_announcement(coordinator, Audience(role="coordinator"), "Alt", "Alter Text")
    send_announcement(coordinator, Audience(role="coordinator"), "Neu", "Neuer Text")
    old.created_at = utcnow() - timedelta(days=800)
    db.session.commit()
    assert retention.run()["announcements"] == 1
    assert [a.subject for a in db.session.scalars(select(Announcement))] == ["Neu"]
    assert count(AnnouncementRecipient) == 1
