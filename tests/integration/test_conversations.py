"""Conversations on tasks: who reads and writes, unread counts, edits, links, the privacy guard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.conversations import services
from portal.conversations.models import ConversationMessage, ConversationRead
from portal.core.errors import InvalidTransition, NotAllowed, NotFound
from portal.core.time import utcnow
from portal.extensions import db
from portal.needs import claims
from portal.privacy.erasure import erase_volunteer
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp


@pytest.fixture
def world(app) -> dict[str, Any]:
    data = fb.county()
    g = data["gaggenau"]
    client_ = fp.client(g, name="Amira Haidari", manager_=data["manager"])
    step = fp.step(fp.goal(client_))
    need = fb.once_need(g, created_by=data["manager"], capacity=2, source_step_id=step.id)
    data["assignment"] = fb.assignment(need, data["profile"])
    data["bystander"] = factories.volunteer(g, email="tom@example.org", name="Tom Berg")
    data["former"] = factories.volunteer(g, email="ida@example.org", name="Ida Lang")
    data["former_claim"] = fb.assignment(need, fb.profile_of(data["former"]))
    data["admin"] = factories.admin(email="admin@example.org")
    data["need"] = need
    data["client"] = client_
    db.session.commit()
    return data


def unread(email: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(User.unread_messages).where(User.email == email)) or 0


def exact(email: str) -> bool:
    """The counter on the user row equals the sum of the read rows."""
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    total = db.session.scalar(
        select(func.coalesce(func.sum(ConversationRead.unread), 0)).where(
            ConversationRead.user_id == user.id
        )
    )
    return user.unread_messages == total


def test_manager_writes_volunteer_reads_and_replies(world, client, auth):
    need = world["need"]
    services.post_message(world["manager"], need.id, "Bitte bringen Sie den Ausweis mit.")
    assert unread("lena@example.org") == 1
    assert unread("keller@example.org") == 0

    auth.login("lena@example.org")
    board = client.get("/board/my-tasks").get_data(as_text=True)
    assert "1 neue Nachricht" in board  # in the navigation and on the task
    page = client.get(f"/tasks/{need.id}/conversation")
    assert page.status_code == 200
    assert "Bitte bringen Sie den Ausweis mit." in page.get_data(as_text=True)
    assert unread("lena@example.org") == 0
    assert "neue Nachricht" not in client.get("/board/my-tasks").get_data(as_text=True)

    answer = client.post(f"/tasks/{need.id}/conversation", data={"body": "Mache ich, danke!"})
    assert answer.status_code == 302
    assert unread("keller@example.org") == 1
    assert unread("lena@example.org") == 0
    auth.logout()

    auth.login("keller@example.org")
    needs_list = client.get("/needs/").get_data(as_text=True)
    assert "1 neue Nachricht" in needs_list
    assert "Mache ich, danke!" in client.get(f"/tasks/{need.id}/conversation").get_data(
        as_text=True
    )
    assert unread("keller@example.org") == 0
    assert all(exact(e) for e in ("keller@example.org", "lena@example.org"))


def test_only_members_read_and_write(world, client, auth):
    need = world["need"]
    services.post_message(world["manager"], need.id, "Nur für das Team.")
    for email in ("tom@example.org", "hofmann@example.org", "admin@example.org"):
        auth.login(email)
        assert client.get(f"/tasks/{need.id}/conversation").status_code == 404, email
        assert (
            client.post(f"/tasks/{need.id}/conversation", data={"body": "Hallo"}).status_code == 404
        ), email
        auth.logout()
    assert client.get(f"/tasks/{need.id}/conversation").status_code == 302  # log in first
    with pytest.raises(NotFound):
        services.post_message(world["bystander"], need.id, "Darf ich mitreden?")
    assert db.session.scalar(select(func.count(ConversationMessage.id))) == 1


def test_an_earlier_member_reads_what_was_said_until_they_left(world, client, auth):
    need = world["need"]
    claim = world["former_claim"]
    services.post_message(world["manager"], need.id, "Vor dem Abschied")
    assert unread("ida@example.org") == 1
    claims.withdraw(world["former"], claim.id, "Ich ziehe um.")
    # what was unread while a member stays readable and counted until read
    assert unread("ida@example.org") == 1
    later = services.post_message(world["manager"], need.id, "Nach dem Abschied")
    later.created_at = utcnow() + timedelta(seconds=5)
    db.session.commit()
    assert unread("ida@example.org") == 1
    assert unread("lena@example.org") == 2

    auth.login("ida@example.org")
    page = client.get(f"/tasks/{need.id}/conversation").get_data(as_text=True)
    assert "Vor dem Abschied" in page
    assert "Nach dem Abschied" not in page
    assert "nicht mehr für diese Aufgabe eingetragen" in page
    assert unread("ida@example.org") == 0
    refused = client.post(f"/tasks/{need.id}/conversation", data={"body": "Noch eine Frage"})
    assert refused.status_code == 403
    with pytest.raises(NotAllowed):
        services.post_message(world["former"], need.id, "Noch eine Frage")
    assert exact("ida@example.org") and exact("lena@example.org")


@pytest.mark.parametrize(
    "text", ["Frau Haidari wartet am Eingang", "Es geht um RA-2026-0173", "amira kommt mit"]
)
def test_a_message_naming_the_client_is_refused_from_either_side(world, client, auth, text):
    need = world["need"]
    for email in ("keller@example.org", "lena@example.org"):
        auth.login(email)
        response = client.post(f"/tasks/{need.id}/conversation", data={"body": text})
        assert response.status_code == 422, email
        page = response.get_data(as_text=True)
        assert "verrät, um wen es geht" in page
        assert text in page  # the text is not lost
        auth.logout()
    assert db.session.scalar(select(func.count(ConversationMessage.id))) == 0
    assert unread("keller@example.org") == unread("lena@example.org") == 0


def test_bad_input_is_a_clear_400(world, client, auth):
    need = world["need"]
    auth.login("lena@example.org")
    for body in ("", "   ", "x" * 4001, "a\x01b"):
        response = client.post(f"/tasks/{need.id}/conversation", data={"body": body})
        assert response.status_code == 400, body[:10]
        assert "error-summary" in response.get_data(as_text=True)
    nul = client.post(f"/tasks/{need.id}/conversation", data={"body": "a\x00b"})
    assert nul.status_code == 400
    assert client.get("/tasks/99999999999999/conversation").status_code == 404


def test_links_are_clickable_and_nothing_else_is_markup(world, client, auth):
    need = world["need"]
    services.post_message(
        world["manager"],
        need.id,
        'Infos: https://example.org/a?b=1&c=2. <script>alert(1)</script> javascript:alert(2) "x"',
    )
    auth.login("lena@example.org")
    page = client.get(f"/tasks/{need.id}/conversation").get_data(as_text=True)
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener nofollow">'
        "https://example.org/a?b=1&amp;c=2</a>." in page
    )
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript' not in page


def test_the_author_corrects_within_15_minutes_and_it_shows(world, client, auth):
    need = world["need"]
    message = services.post_message(world["assignment"].volunteer.user, need.id, "Ich komme um 9")
    auth.login("lena@example.org")
    edit = f"/tasks/messages/{message.id}/edit"
    assert client.get(edit).status_code == 200
    assert client.post(edit, data={"body": "Ich komme um 10"}).status_code == 302
    page = client.get(f"/tasks/{need.id}/conversation").get_data(as_text=True)
    assert "Ich komme um 10" in page and "bearbeitet" in page
    # the others are not told twice
    assert unread("keller@example.org") == 1

    db.session.get(ConversationMessage, message.id).created_at = utcnow() - timedelta(minutes=16)
    db.session.commit()
    assert client.get(edit).status_code == 302  # back to the conversation, with a note
    with pytest.raises(InvalidTransition):
        services.edit_message(world["assignment"].volunteer.user, message.id, "Zu spät")
    auth.logout()
    auth.login("keller@example.org")
    assert client.get(edit).status_code == 404  # not the manager's message


def test_the_counter_stays_exact_through_erasure(world):
    need = world["need"]
    lena = world["assignment"].volunteer.user
    services.post_message(world["manager"], need.id, "Erste")
    services.post_message(world["manager"], need.id, "Zweite")
    services.post_message(lena, need.id, "Antwort von Lena Schmitt")
    assert unread("lena@example.org") == 2 and unread("keller@example.org") == 1
    erase_volunteer(lena, by="self")
    assert unread(lena.email) == 0
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ConversationRead)
            .where(ConversationRead.user_id == lena.id)
        )
        == 0
    )
    # the manager's count is untouched: the message stays, written by a former volunteer,
    # with the name redacted
    assert unread("keller@example.org") == 1 and exact("keller@example.org")
    kept = db.session.scalar(
        select(ConversationMessage).where(ConversationMessage.author_id == lena.id)
    )
    assert kept is not None
    assert "Schmitt" not in kept.body and "[…]" in kept.body
    assert kept.author.shown_name == "ehemalige Ehrenamtliche"


def test_recompute_repairs_a_counter(world):
    need = world["need"]
    services.post_message(world["manager"], need.id, "Eins")
    lena = world["assignment"].volunteer.user
    lena.unread_messages = 7
    db.session.commit()
    services.recompute_unread([lena.id])
    db.session.commit()
    assert unread("lena@example.org") == 1


def test_the_navigation_badge_costs_no_statement(world, client, auth, count_queries):
    auth.login("lena@example.org")
    client.get("/board/")

    def statements() -> int:
        with count_queries() as q:
            assert client.get("/board/").status_code == 200
        return q.count

    before = statements()
    services.post_message(world["manager"], world["need"].id, "Hallo")
    services.post_message(world["manager"], world["need"].id, "Hallo nochmal")
    page = client.get("/board/").get_data(as_text=True)
    assert "2 ungelesen" in page
    assert statements() == before


def test_the_conversation_page_issues_as_many_statements_for_30_messages_as_for_3(
    world, client, auth, count_queries
):
    need = world["need"]
    lena = world["assignment"].volunteer.user

    def statements() -> int:
        client.get(f"/tasks/{need.id}/conversation")  # read: the next view has nothing unread
        with count_queries() as q:
            assert client.get(f"/tasks/{need.id}/conversation").status_code == 200
        return q.count

    auth.login("lena@example.org")
    for i in range(3):
        services.post_message(world["manager"] if i % 2 else lena, need.id, f"Nachricht {i}")
    few = statements()
    for i in range(27):
        services.post_message(world["manager"] if i % 2 else lena, need.id, f"Weitere {i}")
    many = statements()
    assert few == many
    assert many <= 12
