"""Messages written and read at the same moment over real HTTP: every unread counter ends
exact (the user row's total equals the sum of the read rows, and counts what others wrote)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.auth.models import User
from portal.conversations.models import ConversationMessage, ConversationRead
from portal.extensions import db
from tests import factories
from tests import factories_board as fb
from tests.integration.test_claims_concurrency import Browser

WRITES = 6


def _unread(email: str) -> tuple[int, int]:
    """(the counter on the user row, the sum of the user's read rows)."""
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    total = db.session.scalar(
        select(func.coalesce(func.sum(ConversationRead.unread), 0)).where(
            ConversationRead.user_id == user.id
        )
    )
    return user.unread_messages, int(total or 0)


def test_simultaneous_writers_and_a_reader_keep_every_counter_exact(live_server):
    world = fb.county()
    reader = factories.volunteer(world["gaggenau"], email="ida@example.org", name="Ida Lang")
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], capacity=3)
    fb.assignment(need, world["profile"])
    fb.assignment(need, fb.profile_of(reader))
    db.session.commit()
    path = f"/tasks/{need.id}/conversation"
    db.session.close()

    people = {}
    for email in ("keller@example.org", "lena@example.org", "ida@example.org"):
        browser = Browser(live_server.url)
        browser.login(email)
        people[email] = (browser, browser.csrf(path))
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def write(email: str) -> None:
        browser, token = people[email]
        barrier.wait()
        for i in range(WRITES):
            status, _ = browser.request(path, {"body": f"{email} Nr. {i}", "csrf_token": token})
            statuses.append(status)

    def read() -> None:
        browser, _token = people["ida@example.org"]
        barrier.wait()
        for _ in range(WRITES):
            statuses.append(browser.request(path)[0])

    threads = [
        threading.Thread(target=write, args=("keller@example.org",)),
        threading.Thread(target=write, args=("lena@example.org",)),
        threading.Thread(target=read),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert statuses.count(302) == 2 * WRITES and statuses.count(200) == WRITES, statuses
    assert db.session.scalar(select(func.count(ConversationMessage.id))) == 2 * WRITES
    # each writer has exactly the other's messages unread
    assert _unread("keller@example.org") == (WRITES, WRITES)
    assert _unread("lena@example.org") == (WRITES, WRITES)
    counter, rows = _unread("ida@example.org")
    assert counter == rows and 0 <= counter <= 2 * WRITES
    people["ida@example.org"][0].request(path)
    assert _unread("ida@example.org") == (0, 0)
