"""A volunteer erases their own account: request, e-mailed link, password, and afterwards no
trace of the person in any column of any table, while reports and hours stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.announcements.models import AnnouncementRecipient
from portal.announcements.services import Audience, send_announcement
from portal.audit import services as audit
from portal.auth import tokens, two_factor
from portal.auth.models import User
from portal.auth.security_models import LoginSession, RecoveryCode, TotpCredential, TrustedDevice
from portal.conversations import services as conversations
from portal.conversations.models import ConversationMessage, ConversationRead
from portal.core.errors import NotAllowed
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs import claims
from portal.needs.calendar import renew_calendar_token
from portal.needs.models import Assignment, CalendarFeedToken, Need
from portal.needs.report_models import Report
from portal.notifications.models import (
    DeliveryMode,
    DigestItem,
    NotificationKind,
    NotificationPreference,
)
from portal.notifications.preferences import set_preferences
from portal.notifications.services import queue_email
from portal.privacy import erasure
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerEvent,
    VolunteerLanguage,
    record_event,
)
from tests import factories
from tests import factories_auth as fa
from tests import factories_board as fb
from tests.column_scan import count_rows, find_person

NAME = "Zoraida Quistorp"
EMAIL = "zoraida.quistorp@example.org"
PHONE = "0176 5550123"
IDENTIFIERS = (["Zoraida", "Quistorp"], [EMAIL, PHONE])


@pytest.fixture
def world(app):
    """The volunteer with everything an account collects: sessions, a second factor, a
    calendar token, a certificate check, a history, claims (one active, one with reports),
    mail to and about her, audit events about her and naming her."""
    town = factories.municipality("Ahausen")
    manager = factories.manager(town, email="im@example.org", name="Ina Manager")
    coordinator = factories.coordinator(town, email="ko@example.org", name="Kai Koordination")
    other = factories.volunteer(town, email="erika@example.org", name="Erika Mustermann")
    user = factories.volunteer(town, email=EMAIL, name=NAME)
    profile = fb.profile_of(user)
    profile.phone = PHONE
    profile.motivation = "Ich, Zoraida, helfe gern."
    fb.certificate(profile)
    record_event(profile, "approved", coordinator, message="Willkommen, Frau Quistorp!")
    renew_calendar_token(user)
    two_factor.begin_enrolment(user)
    db.session.add(RecoveryCode(user_id=user.id, code_hash="x" * 64))
    two_factor.trust_device(user)
    done = fb.once_need(town, created_by=manager, capacity=2, status="completed")
    old = fb.assignment(done, profile, status="completed")
    fb.report(
        old,
        today_local() - timedelta(days=10),
        90,
        outcome="Zoraida und die Familie waren beim Amt.",
    )
    concern = fb.report(
        old,
        today_local() - timedelta(days=3),
        30,
        concern="Bitte Frau Quistorp anrufen",
        concern_raised=True,
    )
    open_need = fb.once_need(town, created_by=manager, capacity=2)
    other_need = fb.once_need(town, created_by=manager, capacity=2)
    fb.assignment(other_need, fb.profile_of(other))
    db.session.commit()
    claims.claim(user, open_need.id)  # mails the manager naming her, and her
    # the task's conversation, a digest waiting for the manager, an announcement, her settings
    set_preferences(manager, {NotificationKind.MESSAGES: DeliveryMode.DAILY})
    set_preferences(user, {NotificationKind.REMINDERS: DeliveryMode.NEVER})
    conversations.post_message(user, open_need.id, f"Hier Zoraida Quistorp, Tel. {PHONE}")
    conversations.post_message(manager, open_need.id, "Danke, Frau Quistorp!")
    send_announcement(coordinator, Audience(role="coordinator"), "Treffen", "Am Montag")
    with db.session.begin_nested():
        queue_email(
            manager.email,
            "board_concern",
            "de",
            manager=manager,
            need=done,
            volunteer=user,
            report=concern,
            link="x",
        )
        audit.record(
            "user.email_changed", actor=manager, object_type="user", object_id=user.id, old=EMAIL
        )
        audit.record(
            "need.note",
            actor=manager,
            object_type="need",
            object_id=done.id,
            note=f"Anruf {PHONE} von Zoraida",
        )
    db.session.commit()
    return {
        "user": user.id,
        "manager": manager,
        "open": open_need.id,
        "done": done.id,
        "other": other.id,
    }


def _sign_in(client, email=EMAIL):
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302


def _request_and_confirm(client) -> None:
    _sign_in(client)
    assert client.get("/account/erasure").status_code == 200
    response = client.post("/account/erasure/request", data={"understood": "y"})
    assert response.status_code == 302
    mail = fa.outbox(EMAIL, "erasure_confirm")[-1]
    link = fa.link_to(mail, "/account/erasure/confirm/")
    assert mail.body_text.count("http://") >= 1 and "localhost" not in mail.body_text
    assert client.get(link).status_code == 200
    wrong = client.post(link, data={"password": "falsch-falsch-1"})
    assert wrong.status_code == 400 and "Passwort ist nicht richtig" in wrong.get_data(as_text=True)
    assert db.session.get(User, _uid()).erased_at is None
    response = client.post(link, data={"password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/erased")


def _uid() -> int:
    db.session.rollback()
    return db.session.scalar(select(User.id).where(User.email == EMAIL))


def _count(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return db.session.scalar(stmt) or 0


def test_the_whole_database_holds_nothing_about_the_person_after_erasure(world, client):
    names, literals = IDENTIFIERS
    assert find_person(names, literals), "the fixture must put the person everywhere first"
    rows_before = count_rows()
    _request_and_confirm(client)

    assert find_person(names, literals) == []
    assert count_rows() > 40 and rows_before > 40
    user = db.session.get(User, world["user"])
    assert user.erased_at is not None and not user.active and user.password_hash is None
    for model in (LoginSession, TotpCredential, RecoveryCode, TrustedDevice):
        assert _count(model, user_id=user.id) == 0, model
    for model in (ConversationRead, AnnouncementRecipient, NotificationPreference, DigestItem):
        assert _count(model, user_id=user.id) == 0, model
    assert user.unread_messages == 0
    # her message stays in the task's record, by a former volunteer, her identifiers redacted
    [kept] = db.session.scalars(
        select(ConversationMessage).where(ConversationMessage.author_id == user.id)
    )
    assert kept.body == "Hier […] […], Tel. […]"
    assert kept.author.shown_name == "ehemalige Ehrenamtliche"
    assert _count(DigestItem, user_id=world["manager"].id) == 1  # the manager's, redacted
    for model in (CalendarFeedToken, ConductCertificateCheck, VolunteerEvent, VolunteerLanguage):
        assert _count(model) == 0 or model is VolunteerLanguage, model
    # the other volunteer keeps everything
    other = db.session.get(User, world["other"])
    assert other.email == "erika@example.org" and other.display_name == "Erika Mustermann"


def test_reports_and_hours_stay_with_the_former_volunteer_as_author(world, client, auth):
    _request_and_confirm(client)
    reports = db.session.scalars(select(Report).order_by(Report.id)).all()
    assert [r.minutes for r in reports] == [90, 30]
    assert "[…]" in reports[0].outcome and "Familie" in reports[0].outcome
    client.post("/logout")
    auth.login("im@example.org")
    page = client.get("/needs/reports").get_data(as_text=True)
    assert "ehemalige Ehrenamtliche" in page
    detail = client.get(f"/needs/{world['done']}").get_data(as_text=True)
    assert "ehemalige Ehrenamtliche" in detail and "erased.invalid" not in detail


def test_open_claims_are_released_and_the_manager_told_without_a_name(world, client):
    _request_and_confirm(client)
    need = db.session.get(Need, world["open"])
    assert need.taken == 0 and need.status == "open"
    statuses = db.session.scalars(select(Assignment.status).where(Assignment.need_id == need.id))
    assert list(statuses) == ["released"]
    mails = fa.outbox("im@example.org", "erasure_place_freed")
    assert len(mails) == 1 and need.title in mails[0].subject
    assert "Zoraida" not in mails[0].body_text and "wieder frei" in mails[0].body_text


def test_after_erasure_the_person_can_no_longer_log_in(world, client):
    _request_and_confirm(client)
    assert client.get("/account/erasure").status_code == 302  # signed out
    response = client.post("/login", data={"email": EMAIL, "password": factories.PASSWORD})
    assert response.status_code == 400


def test_a_cancelled_request_voids_the_link(world, client):
    _sign_in(client)
    client.post("/account/erasure/request", data={"understood": "y"})
    link = fa.link_to(fa.outbox(EMAIL, "erasure_confirm")[-1], "/account/erasure/confirm/")
    assert client.post("/account/erasure/cancel").status_code == 302
    response = client.post(link, data={"password": factories.PASSWORD})
    assert response.status_code == 400
    assert db.session.get(User, _uid()).erased_at is None


def test_the_request_needs_the_checkbox_and_an_expired_link_fails(world, client, app):
    _sign_in(client)
    assert client.post("/account/erasure/request", data={}).status_code == 400
    assert fa.outbox(EMAIL, "erasure_confirm") == []
    client.post("/account/erasure/request", data={"understood": "y"})
    user = db.session.get(User, _uid())
    age = app.config["ERASURE_CONFIRM_MAX_AGE"] + 60
    token = fa.old_token(tokens.ERASURE, age, uid=user.id, at=user.erasure_requested_at.isoformat())
    response = client.post(
        f"/account/erasure/confirm/{token}", data={"password": factories.PASSWORD}
    )
    assert response.status_code == 400 and "abgelaufen" in response.get_data(as_text=True)
    forged = client.get("/account/erasure/confirm/not-a-token")
    assert forged.status_code == 400
    assert db.session.get(User, user.id).erased_at is None


def test_staff_cannot_erase_their_own_account_this_way(app, client):
    town = factories.municipality("Ahausen")
    manager = factories.manager(town, email="im@example.org")
    factories.volunteer_profile(manager, town)  # a manager who also volunteers
    from portal.auth.models import Membership, Role

    manager.memberships.append(Membership(role=Role.VOLUNTEER))
    db.session.commit()
    with pytest.raises(NotAllowed):
        erasure.request_erasure(manager)
    _sign_in(client, "im@example.org")
    assert client.post("/account/erasure/request", data={"understood": "y"}).status_code == 404
    page = client.get("/account/erasure").get_data(as_text=True)
    assert "löscht die Administration" in page
    assert db.session.get(User, manager.id).erasure_requested_at is None


def test_erasing_twice_is_refused(world):
    user = db.session.get(User, world["user"])
    erasure.erase_volunteer(user, by="retention")
    assert user.erased_at is not None and user.erased_at <= utcnow()
    from portal.core.errors import InvalidTransition

    with pytest.raises(InvalidTransition):
        erasure.erase_volunteer(user, by="retention")


def test_a_deactivated_account_is_erased_completely_too(world):
    user = db.session.get(User, world["user"])
    user.active = False  # an administrator locked it before
    db.session.commit()
    erasure.erase_volunteer(user, by="retention")
    assert find_person(*IDENTIFIERS) == []


def test_the_administration_sees_the_tombstone_as_former_volunteer(world, client, auth):
    factories.admin(email="admin@example.org")
    db.session.commit()
    erasure.erase_volunteer(db.session.get(User, world["user"]), by="self")
    auth.login("admin@example.org")
    page = client.get(f"/admin/users/{world['user']}").get_data(as_text=True)
    assert "ehemalige Ehrenamtliche" in page and "Zoraida" not in page
