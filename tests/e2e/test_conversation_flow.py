"""Browser walk through a task's conversation: the manager writes, the volunteer sees the unread
badge, opens the conversation and replies, the manager reads the answer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests import factories_board as fb

pytestmark = pytest.mark.e2e


def login(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill("Sicheres-Passwort-1")
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/dashboard"))


def logout(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()


def test_manager_writes_volunteer_sees_the_badge_replies_and_manager_reads(page: Page, app):
    world = fb.county()
    need = fb.once_need(
        world["gaggenau"], title="Begleitung zum Jobcenter", created_by=world["manager"]
    )
    fb.assignment(need, world["profile"])
    db.session.commit()
    need_id = need.id
    db.session.close()

    # the manager writes on the need's page
    login(page, "keller@example.org")
    page.goto(f"/needs/{need_id}")
    page.get_by_role("link", name="Nachrichten zur Aufgabe öffnen").click()
    page.get_by_label("Nachricht").fill(
        "Bitte den Termin-Brief mitbringen: https://example.org/info"
    )
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Ihre Nachricht ist gesendet.")).to_be_visible()
    expect(page.get_by_role("link", name="https://example.org/info")).to_have_attribute(
        "rel", "noopener nofollow"
    )
    logout(page)

    # the volunteer sees the unread badge in the navigation and on "Meine Aufgaben"
    login(page, "lena@example.org")
    expect(page.locator(".main-nav [data-unread]")).to_have_text("1 ungelesen")
    page.goto("/board/my-tasks")
    page.get_by_role("link", name="1 neue Nachricht").click()
    expect(page.get_by_text("Bitte den Termin-Brief mitbringen")).to_be_visible()
    expect(page.locator(".main-nav [data-unread]")).to_have_count(0)
    page.get_by_label("Nachricht").fill("Mache ich. Bis Donnerstag!")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Mache ich. Bis Donnerstag!")).to_be_visible()
    logout(page)

    # the manager sees the answer waiting and reads it
    login(page, "keller@example.org")
    expect(page.locator(".main-nav [data-unread]")).to_have_text("1 ungelesen")
    page.goto("/needs/")
    page.get_by_role("link", name="Begleitung zum Jobcenter").click()
    expect(page.locator("main .badge-unread")).to_have_text("1 neue Nachricht")
    page.get_by_role("link", name="Nachrichten zur Aufgabe öffnen").click()
    expect(page.get_by_text("Mache ich. Bis Donnerstag!")).to_be_visible()
    expect(page.get_by_text("Lena Schmitt")).to_be_visible()
    expect(page.locator(".main-nav [data-unread]")).to_have_count(0)


def test_the_exchange_pages_have_no_serious_violations(page: Page, app):
    from portal.announcements.services import Audience, send_announcement
    from portal.conversations.services import post_message
    from portal.notifications.preferences import unsubscribe_token
    from tests import factories
    from tests.e2e.test_accessibility import serious_violations

    world = fb.county()
    coordinator = factories.coordinator(world["gaggenau"], email="ko@example.org")
    need = fb.once_need(world["gaggenau"], created_by=world["manager"])
    fb.assignment(need, world["profile"])
    db.session.commit()
    post_message(world["manager"], need.id, "Siehe https://example.org – bis bald!")
    send_announcement(coordinator, Audience(role="coordinator"), "Sommerfest", "Am 1. Juli.")
    token = unsubscribe_token(world["volunteer"].id, "announcements")
    need_id = need.id
    db.session.close()

    problems: dict[str, list[str]] = {}
    page.goto(f"/notifications/unsubscribe/{token}")
    problems["unsubscribe"] = serious_violations(page)
    login(page, "lena@example.org")
    for path in (f"/tasks/{need_id}/conversation", "/announcements/", "/account/notifications"):
        page.goto(path)
        problems[path] = serious_violations(page)
    page.goto(f"/tasks/{need_id}/conversation")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.locator(".error-summary")).to_be_visible()
    problems["conversation, refused"] = serious_violations(page)
    logout(page)
    login(page, "ko@example.org")
    page.goto("/announcements/new")
    problems["announcement form"] = serious_violations(page)
    page.get_by_role("button", name="Rundschreiben senden").click()
    expect(page.locator(".error-summary")).to_be_visible()
    problems["announcement form, refused"] = serious_violations(page)
    assert {k: v for k, v in problems.items() if v} == {}
