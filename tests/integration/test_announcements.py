"""Announcements: audiences, language of each mail, the archive, the daily limit, the privacy
guard, the audit trail; and that nothing a volunteer receives names a client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.announcements import services
from portal.announcements.models import Announcement
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.conversations import services as conversations
from portal.core.errors import NotAllowed, ValidationFailed
from portal.core.time import utcnow
from portal.extensions import db
from portal.needs.models import AssignmentStatus, NeedStatus
from portal.needs.validation import NeedInput
from portal.notifications.models import DeliveryMode, NotificationKind, OutboundEmail
from portal.notifications.preferences import set_preferences
from portal.volunteers.models import VolunteerProfile, VolunteerStatus
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp


@pytest.fixture
def world(app) -> dict[str, Any]:
    data = fb.county()
    g, b = data["gaggenau"], data["buehl"]
    data["coordinator"] = factories.coordinator(
        g, email="koordination@example.org", name="Jana Roth"
    )
    data["english"] = factories.volunteer(g, email="sam@example.org", name="Sam Reed", locale="en")
    pending = factories.volunteer(g, VolunteerStatus.PENDING, email="neu@example.org")
    data["pending"] = pending
    data["elsewhere"] = factories.volunteer(b, email="bea@example.org", name="Bea Bühl")
    tutor = factories.user("tutor@example.org", "Tara Tutor")
    factories.volunteer_profile(tutor, g, interests=("language_practice",))
    data["tutor"] = tutor
    db.session.commit()
    return data


def recipients(template: str = "announcement") -> list[str]:
    return sorted(
        db.session.scalars(
            select(OutboundEmail.recipient).where(OutboundEmail.template == template)
        )
    )


def coordination(**kw: Any) -> services.Audience:
    return services.Audience(role="coordinator", **kw)


def test_a_coordinator_writes_to_the_approved_volunteers_of_their_municipalities(world):
    sent = services.send_announcement(
        world["coordinator"], coordination(), "Sommerfest", "Am 1. Juli feiern wir."
    )
    assert sent.recipient_count == 3
    assert recipients() == ["lena@example.org", "sam@example.org", "tutor@example.org"]
    english = db.session.scalar(
        select(OutboundEmail).where(OutboundEmail.recipient == "sam@example.org")
    )
    assert english.locale == "en"
    assert "Hello Sam Reed" in english.body_text and "Am 1. Juli feiern wir." in english.body_text
    german = db.session.scalar(
        select(OutboundEmail).where(OutboundEmail.recipient == "lena@example.org")
    )
    assert "Hallo Lena Schmitt" in german.body_text
    assert (german.headers or {})["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "announcement.sent"))
    assert event.actor_id == world["coordinator"].id and event.details["recipients"] == 3


def test_filters_narrow_the_audience(world):
    services.send_announcement(
        world["coordinator"],
        coordination(interests=["language_practice"]),
        "Sprachcafé",
        "Wer hilft mit?",
    )
    assert recipients() == ["tutor@example.org"]
    with pytest.raises(ValidationFailed):
        services.send_announcement(
            world["coordinator"], coordination(languages=["ti"]), "Tigrinya", "Niemand"
        )
    # a municipality the coordinator does not coordinate is ignored, not widened
    with pytest.raises(ValidationFailed):
        services.send_announcement(
            world["coordinator"],
            coordination(municipality_ids=[world["buehl"].id]),
            "Bühl",
            "Fremde Gemeinde",
        )


def test_a_manager_writes_to_the_volunteers_of_their_needs_in_the_last_year(world):
    manager, g = world["manager"], world["gaggenau"]
    recent = fb.once_need(g, created_by=manager, status=NeedStatus.COMPLETED)
    fb.assignment(recent, world["profile"], status=AssignmentStatus.COMPLETED).ended_at = (
        utcnow() - timedelta(days=30)
    )
    old = fb.once_need(g, created_by=manager, status=NeedStatus.COMPLETED)
    fb.assignment(
        old, fb.profile_of(world["english"]), status=AssignmentStatus.COMPLETED
    ).ended_at = utcnow() - timedelta(days=400)
    gave_back = fb.once_need(g, created_by=manager)
    fb.assignment(gave_back, fb.profile_of(world["tutor"]), status=AssignmentStatus.WITHDRAWN)
    db.session.commit()
    services.send_announcement(
        manager, services.Audience(role="manager"), "Danke", "Danke für Ihre Hilfe!"
    )
    assert recipients() == ["lena@example.org"]
    with pytest.raises(NotAllowed):
        services.send_announcement(manager, coordination(), "Alle", "Darf ich nicht")


def test_the_daily_limit_and_the_archive(world, app, client, auth):
    app.config["ANNOUNCEMENTS_PER_DAY"] = 2
    set_preferences(world["volunteer"], {NotificationKind.ANNOUNCEMENTS: DeliveryMode.NEVER})
    for n in (1, 2):
        services.send_announcement(world["coordinator"], coordination(), f"Nr. {n}", "Text")
    with pytest.raises(ValidationFailed, match="24 Stunden"):
        services.send_announcement(world["coordinator"], coordination(), "Nr. 3", "Text")
    assert len(list(db.session.scalars(select(Announcement)))) == 2
    # a day later it works again
    for item in db.session.scalars(select(Announcement)):
        item.created_at -= timedelta(days=1, minutes=1)
    db.session.commit()
    services.send_announcement(world["coordinator"], coordination(), "Nr. 3", "Text")

    # Lena chose "never": no mail, but all three in her archive (newest first)
    assert "lena@example.org" not in recipients()
    auth.login("lena@example.org")
    page = client.get("/announcements/").get_data(as_text=True)
    assert page.index("Nr. 3") < page.index("Nr. 2") < page.index("Nr. 1")
    auth.logout()
    auth.login("bea@example.org")
    assert "Nr. 1" not in client.get("/announcements/").get_data(as_text=True)


def test_the_form_and_the_privacy_guard(world, client, auth):
    fp.client(world["gaggenau"], name="Yusuf Karimi", manager_=world["manager"])
    db.session.commit()
    auth.login("koordination@example.org")
    assert client.get("/announcements/new").status_code == 200
    refused = client.post(
        "/announcements/new",
        data={"role": "coordinator", "subject": "Akte RA-2026-0001", "body": "Bitte melden"},
    )
    assert refused.status_code == 422
    assert "verrät, um wen es geht" in refused.get_data(as_text=True)
    sent = client.post(
        "/announcements/new",
        data={"role": "coordinator", "subject": "Treffen", "body": "Am Montag im Rathaus"},
    )
    assert sent.status_code == 302
    auth.logout()
    auth.login("keller@example.org")
    refused = client.post(
        "/announcements/new",
        data={"role": "manager", "subject": "Neuigkeit", "body": "Herr Karimi hat es geschafft"},
    )
    assert refused.status_code == 422
    assert len(list(db.session.scalars(select(Announcement)))) == 1


def test_nothing_a_volunteer_receives_names_the_client(world, client, auth):
    """Mails and pages of a volunteer on a task that came from a client's plan step, through
    messages, a moved appointment, an announcement and the digest."""
    manager, g = world["manager"], world["gaggenau"]
    person = fp.client(g, name="Amira Haidari", manager_=manager, contact="Lindenweg 7, Gaggenau")
    step = fp.step(fp.goal(person))
    need = fb.once_need(g, created_by=manager, source_step_id=step.id, capacity=2)
    fb.assignment(need, world["profile"])
    db.session.commit()
    set_preferences(world["volunteer"], {NotificationKind.MESSAGES: DeliveryMode.DAILY})
    conversations.post_message(manager, need.id, "Bitte 10 Minuten früher da sein.")
    for attempt in ("Amira wartet", "Lindenweg 7", person.reference):
        with pytest.raises(ValidationFailed):
            conversations.post_message(manager, need.id, attempt)
    data = NeedInput.from_need(need)
    data.status = NeedStatus.OPEN
    data.meeting_point = "Am Bahnhof"
    from portal.needs.services import update_need

    update_need(manager, need, data)
    services.send_announcement(world["coordinator"], coordination(), "Info", "Neue Kurse.")
    from portal.notifications.preferences import send_digests

    assert send_digests(now=utcnow() + timedelta(minutes=1)) == 1

    identity = ["Amira", "Haidari", person.reference, "Lindenweg"]
    lena = db.session.scalar(select(User).where(User.email == "lena@example.org"))
    received = list(
        db.session.scalars(select(OutboundEmail).where(OutboundEmail.recipient == lena.email))
    )
    assert {m.template for m in received} >= {"need_changed", "announcement", "digest"}
    auth.login(lena.email)
    pages = [
        client.get(url).get_data(as_text=True)
        for url in (
            f"/tasks/{need.id}/conversation",
            f"/board/needs/{need.id}",
            "/board/my-tasks",
            "/announcements/",
        )
    ]
    texts = [m.subject + m.body_text + str(m.headers) for m in received] + pages
    for text in texts:
        for word in identity:
            assert word not in text
    assert any("10 Minuten früher" in t for t in texts)
    profile = db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == lena.id))
    assert profile is not None


def test_the_archive_issues_as_many_statements_for_30_as_for_3(
    world, app, client, auth, count_queries
):
    app.config["ANNOUNCEMENTS_PER_DAY"] = 100

    def statements() -> int:
        with count_queries() as q:
            assert client.get("/announcements/").status_code == 200
        return q.count

    auth.login("lena@example.org")
    for i in range(3):
        services.send_announcement(world["coordinator"], coordination(), f"Nr. {i}", "Text")
    few = statements()
    for i in range(27):
        services.send_announcement(world["coordinator"], coordination(), f"Mehr {i}", "Text")
    many = statements()
    assert few == many
    assert many <= 12
