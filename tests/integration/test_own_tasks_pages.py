""" "My tasks" pages its upcoming claims (``?upcoming=``) beside its past ones (``?page=``): soonest
first by the next appointment, each page in a bounded number of statements, with a pager of its
own; the start page keeps its next three."""

from __future__ import annotations

import html as html_lib
import re
from datetime import time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs import schedule
from portal.needs.models import Assignment, AssignmentStatus, NeedStatus
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    db.session.commit()
    return data


def claims(world: dict[str, Any], n: int, first: int = 0) -> None:
    """``n`` active claims, one-off and weekly, their next appointments all different and not
    in the order of their ids (nor of their titles)."""
    for i in range(first, first + n):
        title = f"Aufgabe {i:03d}"
        if i % 3:
            day = today_local() + timedelta(days=1 + (i * 37) % 97)
            need = fb.once_need(world["gaggenau"], title=title, starts_at=fb.local(day, 8 + i % 9))
        else:
            need = fb.weekly_need(
                world["gaggenau"],
                title=title,
                weekday=i % 7,
                at=time(7 + i % 12, i % 60),
                starts_on=today_local() - timedelta(days=30),
                ends_on=today_local() + timedelta(weeks=20),
            )
        fb.assignment(need, world["profile"])
    db.session.commit()


def expected_order(world: dict[str, Any]) -> list[str]:
    """The titles of the volunteer's upcoming claims by their next appointment (Python's rule)."""
    now = utcnow()
    active = db.session.scalars(
        select(Assignment).where(
            Assignment.volunteer_id == world["profile"].id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )
    timed = [(schedule.next_occurrence(a.need, now), a.id, a.need.title) for a in active]
    return [title for nxt, _id, title in sorted(t for t in timed if t[0] is not None)]


def upcoming_section(page: str) -> str:
    return page[page.index('id="upcoming-heading"') : page.index('id="hours-heading"')]


def titles(section: str) -> list[str]:
    return re.findall(r"<h3><a [^>]*>(Aufgabe \d{3})</a></h3>", section)


def pager_link(section: str, rel: str) -> str:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', section)
    assert found is not None, section[-800:]
    return html_lib.unescape(found.group(1))


def test_the_second_page_shows_the_next_claims_in_order_and_the_pager_links_work(
    app, world, client, auth
):
    claims(world, 60)
    per_page = app.config["PER_PAGE"]
    order = expected_order(world)
    assert len(order) == 60
    auth.login("lena@example.org")

    first = upcoming_section(client.get("/board/my-tasks").get_data(as_text=True))
    assert titles(first) == order[:per_page]
    assert 'aria-label="Seiten der anstehenden Aufgaben"' in first
    assert "Seite 1 von 3" in first and 'rel="prev"' not in first

    # the pager's link leads to the second page, at the upcoming list
    link = pager_link(first, "next")
    assert link == "/board/my-tasks?upcoming=2#upcoming-heading"
    second = upcoming_section(client.get(link).get_data(as_text=True))
    assert titles(second) == order[per_page : 2 * per_page]
    assert "Seite 2 von 3" in second

    third = upcoming_section(client.get(pager_link(second, "next")).get_data(as_text=True))
    assert titles(third) == order[2 * per_page :]
    assert 'rel="next"' not in third
    back = pager_link(third, "prev")
    assert titles(upcoming_section(client.get(back).get_data(as_text=True))) == titles(second)


def test_the_two_pagers_of_my_tasks_keep_each_others_page(app, world, client, auth):
    claims(world, 30)
    per_page = app.config["PER_PAGE"]
    for _ in range(per_page + 1):  # a second page of past claims too
        need = fb.once_need(world["gaggenau"], status=NeedStatus.COMPLETED)
        fb.assignment(need, world["profile"], status=AssignmentStatus.COMPLETED)
    db.session.commit()
    auth.login("lena@example.org")
    page = client.get("/board/my-tasks?upcoming=2&page=2").get_data(as_text=True)
    upcoming = upcoming_section(page)
    past = page[page.index('id="past-heading"') :]
    assert titles(upcoming) == expected_order(world)[per_page:]
    assert 'aria-label="Seiten der vergangenen Aufgaben"' in past
    assert pager_link(upcoming, "prev") == "/board/my-tasks?upcoming=1&page=2#upcoming-heading"
    assert pager_link(past, "prev") == "/board/my-tasks?upcoming=2&page=1#past-heading"


def test_my_tasks_issues_as_many_statements_for_60_upcoming_claims_as_for_5(
    world, client, auth, count_queries
):
    auth.login("lena@example.org")
    claims(world, 5)
    client.get("/board/my-tasks")  # warm caches (templates, translations)
    db.session.commit()
    with count_queries() as counted:
        page = client.get("/board/my-tasks").get_data(as_text=True)
    few = counted.count
    assert len(titles(upcoming_section(page))) == 5

    claims(world, 55, first=5)
    db.session.expire_all()
    counts = []
    for path in ("/board/my-tasks", "/board/my-tasks?upcoming=2", "/board/my-tasks?upcoming=3"):
        with count_queries() as counted:
            response = client.get(path)
        assert response.status_code == 200
        assert titles(upcoming_section(response.get_data(as_text=True)))
        counts.append(counted.count)
    assert counts == [few, few, few]
    assert few <= 6


def test_the_upcoming_list_counts_in_the_statement_that_reads_it(world, client, auth):
    """The page count is bounded as every list's (`COUNT_AHEAD`) and read in the same
    statement as the page: one statement touches the claims for the upcoming list."""
    claims(world, 60)
    auth.login("lena@example.org")
    from portal.needs import own_tasks

    with client.application.test_request_context("/board/my-tasks?upcoming=2"):
        page = own_tasks.upcoming_page(world["profile"])
    assert (page.page, page.total, page.pages, page.more) == (2, 60, 3, False)
    assert [task.title for task, _next in page.items] == expected_order(world)[25:50]
    assert all(nxt is not None for _task, nxt in page.items)


@pytest.mark.parametrize("value", ["abc", "-3", "0", "", "1.5", "９"])
def test_a_harmless_upcoming_page_number_shows_the_first_page(world, client, auth, value):
    claims(world, 30)
    auth.login("lena@example.org")
    response = client.get(f"/board/my-tasks?upcoming={value}")
    assert response.status_code == 200
    assert "Seite 1 von 2" in upcoming_section(response.get_data(as_text=True))


@pytest.mark.parametrize("value", ["100001", "99999999999999999999"])
def test_an_absurd_upcoming_page_number_is_404(world, client, auth, value):
    auth.login("lena@example.org")
    response = client.get(f"/board/my-tasks?upcoming={value}")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_page_past_the_end_shows_no_claims_and_no_error(world, client, auth):
    claims(world, 5)
    auth.login("lena@example.org")
    response = client.get("/board/my-tasks?upcoming=4")
    assert response.status_code == 200
    section = upcoming_section(response.get_data(as_text=True))
    assert titles(section) == []
    assert "Sie haben zurzeit keine anstehenden Aufgaben." in section


def test_the_start_page_keeps_showing_the_next_three(world, client, auth):
    claims(world, 30)
    auth.login("lena@example.org")
    page = client.get("/dashboard").get_data(as_text=True)
    shown = [title for title in expected_order(world) if title in page]
    assert shown == expected_order(world)[:3]
    assert page.index(shown[0]) < page.index(shown[1]) < page.index(shown[2])
