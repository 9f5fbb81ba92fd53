"""The 24-hour reminder before a one-off appointment: sent once, only for active claims."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.time import utcnow
from portal.extensions import db
from portal.needs.models import AssignmentStatus, NeedStatus
from portal.needs.reminders import send_appointment_reminders
from portal.notifications.models import OutboundEmail
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    db.session.commit()
    return data


def reminders() -> list[OutboundEmail]:
    return list(
        db.session.scalars(select(OutboundEmail).where(OutboundEmail.template == "board_reminder"))
    )


def test_a_reminder_is_sent_once_24_hours_before(world):
    g, profile = world["gaggenau"], world["profile"]
    soon = fb.once_need(g, title="Morgen früh", starts_at=utcnow() + timedelta(hours=20))
    claim = fb.assignment(soon, profile)
    later = fb.once_need(g, title="In drei Tagen", starts_at=utcnow() + timedelta(days=3))
    fb.assignment(later, profile)
    weekly = fb.weekly_need(g, title="Wöchentlich")
    fb.assignment(weekly, profile)
    gone = fb.once_need(g, title="Abgegeben", starts_at=utcnow() + timedelta(hours=5))
    fb.assignment(gone, profile, status=AssignmentStatus.WITHDRAWN)
    cancelled = fb.once_need(
        g, title="Abgesagt", starts_at=utcnow() + timedelta(hours=5), status=NeedStatus.CANCELLED
    )
    fb.assignment(cancelled, profile)
    db.session.commit()

    assert send_appointment_reminders() == 1
    [mail] = reminders()
    assert mail.recipient == "lena@example.org"
    assert "Morgen früh" in mail.subject
    assert "Vor dem Rathaus" in mail.body_text
    db.session.refresh(claim)
    assert claim.reminder_sent_at is not None

    assert send_appointment_reminders() == 0
    assert len(reminders()) == 1


def test_the_reminder_runs_from_the_cli_and_is_not_repeated(world, app):
    fb.assignment(
        fb.once_need(world["gaggenau"], starts_at=utcnow() + timedelta(hours=3)), world["profile"]
    )
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "run"])
    assert "appointments: 1" in first.output
    second = runner.invoke(args=["reminders", "run"])
    assert "appointments: 0" in second.output
    assert len(reminders()) == 1


def test_the_reminder_is_in_the_volunteers_language(world):
    english = factories.volunteer(world["gaggenau"], email="anna@example.org", locale="en")
    fb.assignment(
        fb.once_need(world["gaggenau"], title="Arzt", starts_at=utcnow() + timedelta(hours=10)),
        fb.profile_of(english),
    )
    db.session.commit()
    send_appointment_reminders()
    [mail] = reminders()
    assert mail.locale == "en"
