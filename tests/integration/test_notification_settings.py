"""Notification settings: at once, daily digest or never, per person and kind; the daily digest
job; one-click unsubscribe (RFC 8058) without log-in; the headers reach the SMTP server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.conversations import services as conversations
from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications.models import (
    DeliveryMode,
    DigestItem,
    NotificationKind,
    NotificationPreference,
    OutboundEmail,
)
from portal.notifications.preferences import (
    preferences_of,
    send_digests,
    set_preferences,
    unsubscribe_token,
)
from portal.notifications.services import send_pending
from tests import factories_board as fb

MESSAGES = NotificationKind.MESSAGES


BASE = "https://ehrenamt.example.org"
pytestmark = pytest.mark.app_config(PUBLIC_BASE_URL=BASE)


@pytest.fixture
def world(app) -> dict[str, Any]:
    data = fb.county()
    need = fb.once_need(data["gaggenau"], created_by=data["manager"], capacity=2)
    fb.assignment(need, data["profile"])
    data["need"] = need
    db.session.commit()
    return data


def mails(template: str, to: str = "lena@example.org") -> list[OutboundEmail]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.template == template, OutboundEmail.recipient == to)
            .order_by(OutboundEmail.id)
        )
    )


def test_at_once_by_default_with_unsubscribe_headers_and_a_reply_hint(world):
    conversations.post_message(world["manager"], world["need"].id, "Treffpunkt ist Tor 2.")
    [mail] = mails("conversation_message")
    assert "Treffpunkt ist Tor 2." in mail.body_text
    assert "Antworten Sie bitte im Portal" in mail.body_text
    assert f"{BASE}/tasks/{world['need'].id}/conversation" in mail.body_text
    headers = mail.headers or {}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"]
    assert link.startswith(f"<{BASE}/notifications/unsubscribe/")
    assert link.strip("<>") in mail.body_text
    # the author is not mailed about their own message
    assert mails("conversation_message", "keller@example.org") == []


def test_daily_collects_for_the_digest_and_never_sends_nothing(world):
    lena = world["volunteer"]
    set_preferences(lena, {MESSAGES: DeliveryMode.DAILY})
    set_preferences(world["manager"], {MESSAGES: DeliveryMode.NEVER})
    conversations.post_message(world["manager"], world["need"].id, "Erste Nachricht")
    conversations.post_message(world["manager"], world["need"].id, "Zweite Nachricht")
    conversations.post_message(lena, world["need"].id, "Antwort")
    assert mails("conversation_message") == []
    assert mails("conversation_message", "keller@example.org") == []
    assert len(list(db.session.scalars(select(DigestItem)))) == 2
    # in the portal the messages are there all the same
    assert db.session.get(type(lena), lena.id).unread_messages == 2


def test_the_digest_job_sends_what_waited_until_its_time_once(world, app):
    lena = world["volunteer"]
    set_preferences(lena, {MESSAGES: DeliveryMode.DAILY})
    start = utcnow()
    conversations.post_message(world["manager"], world["need"].id, "Am Morgen")
    late = conversations.post_message(world["manager"], world["need"].id, "Am Abend")
    item = db.session.scalars(select(DigestItem).order_by(DigestItem.id.desc())).first()
    item.created_at = start + timedelta(hours=10)
    db.session.commit()
    del late

    # the job runs at start + 1 h: only the morning's message is due
    assert send_digests(now=start + timedelta(hours=1)) == 1
    [digest] = mails("digest")
    assert "Am Morgen" in digest.body_text and "Am Abend" not in digest.body_text
    assert (digest.headers or {})["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert send_digests(now=start + timedelta(hours=2)) == 0  # nothing twice
    # the next day's run takes the evening's message
    assert send_digests(now=start + timedelta(days=1)) == 1
    assert "Am Abend" in mails("digest")[-1].body_text
    assert db.session.scalars(select(DigestItem)).first() is None

    # the daily jobs run it too
    set_preferences(lena, {MESSAGES: DeliveryMode.DAILY})
    conversations.post_message(world["manager"], world["need"].id, "Noch eine")
    result = app.test_cli_runner().invoke(args=["reminders", "run"])
    assert "digests: 1" in result.output


def test_switching_away_from_daily_forgets_what_waited(world):
    lena = world["volunteer"]
    set_preferences(lena, {MESSAGES: DeliveryMode.DAILY})
    conversations.post_message(world["manager"], world["need"].id, "Wartet")
    set_preferences(lena, {MESSAGES: DeliveryMode.IMMEDIATE})
    assert send_digests() == 0


def test_reminders_follow_the_choice(world):
    from portal.needs.reminders import send_appointment_reminders

    need = fb.once_need(world["gaggenau"], starts_at=utcnow() + timedelta(hours=5))
    fb.assignment(need, world["profile"])
    db.session.commit()
    set_preferences(world["volunteer"], {NotificationKind.REMINDERS: DeliveryMode.NEVER})
    assert send_appointment_reminders() == 1  # marked as done, but not mailed
    assert mails("board_reminder") == []


def test_the_settings_page(world, client, auth):
    auth.login("lena@example.org")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Rundschreiben an Ehrenamtliche" in page and "einmal täglich" in page
    data = {f"kind_{k}": "immediate" for k in NotificationKind}
    data["kind_announcements"] = "never"
    data["kind_task_messages"] = "daily"
    assert client.post("/account/notifications", data=data).status_code == 302
    assert preferences_of(world["volunteer"])["announcements"] == "never"
    assert preferences_of(world["volunteer"])["task_messages"] == "daily"
    data["kind_task_messages"] = "sometimes"
    assert client.post("/account/notifications", data=data).status_code == 400
    assert preferences_of(world["volunteer"])["task_messages"] == "daily"


@pytest.mark.csrf
def test_one_click_unsubscribe_needs_no_log_in_and_no_csrf_token(world, client):
    token = unsubscribe_token(world["volunteer"].id, MESSAGES)
    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200
    assert "Nachrichten zu Ihren Aufgaben" in page.get_data(as_text=True)
    assert preferences_of(world["volunteer"])[MESSAGES] == "immediate"  # GET changes nothing
    # what a mail client sends (RFC 8058): a POST with that body, no cookie, no CSRF token
    done = client.post(
        f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200
    assert preferences_of(world["volunteer"])[MESSAGES] == "never"
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200  # again: fine
    assert client.get("/notifications/unsubscribe/forged").status_code == 404
    assert client.post("/notifications/unsubscribe/forged").status_code == 404
    # every other form still wants its CSRF token
    assert client.post("/login", data={"email": "lena@example.org"}).status_code == 400
    conversations.post_message(world["manager"], world["need"].id, "Niemand hört")
    assert mails("conversation_message") == []


def test_an_unsubscribe_token_names_one_kind_and_its_signature_counts(world, client):
    token = unsubscribe_token(world["volunteer"].id, NotificationKind.ANNOUNCEMENTS)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/notifications/unsubscribe/{tampered}").status_code == 404
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    rows = list(db.session.scalars(select(NotificationPreference)))
    assert [(r.kind, r.mode) for r in rows] == [("announcements", "never")]


@pytest.mark.smtp
def test_the_sender_passes_the_headers_to_the_smtp_server(world, smtp_server):
    conversations.post_message(world["manager"], world["need"].id, "Mit Kopfzeilen")
    assert send_pending()["sent"] >= 1
    [message] = [m for m in smtp_server.messages if "lena@example.org" in m["To"]]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith(f"<{BASE}/")
    assert message["Auto-Submitted"] == "auto-generated"


def test_only_the_unsubscribe_route_is_exempt_from_csrf(app):
    exempt = app.extensions["csrf"]._exempt_views
    assert "portal.notifications.views.unsubscribe" in exempt
    assert not any(v.startswith("portal.") and "unsubscribe" not in v for v in exempt)


def test_a_published_need_reaches_the_volunteers_it_fits_once_a_day_by_default(world):
    from portal.needs.services import create_need
    from portal.needs.validation import NeedInput
    from tests import factories

    g = world["gaggenau"]
    other = factories.volunteer(g, email="ida@example.org", name="Ida Lang")  # tutoring only
    set_preferences(other, {NotificationKind.NEW_NEEDS: DeliveryMode.IMMEDIATE})
    fb.profile_of(world["volunteer"]).interests = ["accompanying"]
    db.session.commit()
    start = utcnow().replace(microsecond=0) + timedelta(days=5)
    data = NeedInput(
        category="accompanying",
        title="Begleitung zum Bürgerbüro",
        public_description="Ein kurzer Termin im Bürgerbüro.",
        municipality_id=g.id,
        meeting_point="Hinterhof, zweite Tür",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status="open",
    )
    create_need(world["manager"], data)
    # Lena (interested, default: daily) gets it in her digest; Ida (tutoring) nothing
    [item] = db.session.scalars(select(DigestItem).where(DigestItem.kind == "new_needs"))
    assert item.user_id == world["volunteer"].id and item.title == "Begleitung zum Bürgerbüro"
    assert mails("need_published", "ida@example.org") == []
    # with "at once" the mail goes out, without the meeting point
    set_preferences(world["volunteer"], {NotificationKind.NEW_NEEDS: DeliveryMode.IMMEDIATE})
    data.title = "Begleitung zum Standesamt"
    create_need(world["manager"], data)
    [mail] = mails("need_published")
    assert "Begleitung zum Standesamt" in mail.subject
    assert "Hinterhof" not in mail.body_text
    assert (mail.headers or {})["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # a draft tells nobody until it is published
    data.status = "draft"
    data.title = "Entwurf"
    create_need(world["manager"], data)
    assert len(mails("need_published")) == 1
