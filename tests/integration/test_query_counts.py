"""Pages that list rows issue the same number of SQL statements for 3 rows as for 30: the board,
the managers' needs list, a volunteer's tasks, the managers' reports, the coordinators' overview
and queue, the audit log and the start pages of volunteers, coordinators and managers. The needs
ask for languages and the volunteer has languages, interests and times, so the link tables are
read too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest

from portal.audit import services as audit
from portal.core.time import today_local
from portal.extensions import db
from portal.needs.models import AssignmentStatus, NeedStatus
from portal.volunteers.models import VolunteerStatus
from portal.volunteers.queries import profile_of
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    profile = data["profile"]
    profile.languages = {"de": "native", "ar": "good", "fa": "basic"}
    profile.interests = ["tutoring", "accompanying"]
    profile.availability = {0: ["afternoon"], 2: ["morning", "evening"], 5: ["morning"]}
    factories.coordinator(data["gaggenau"], email="koordination@example.org")
    factories.admin(email="admin@example.org")
    db.session.commit()
    return data


def _need(world: dict[str, Any], i: int, **kw: Any):
    if i % 2:
        return fb.weekly_need(
            world["gaggenau"],
            created_by=world["manager"],
            weekday=i % 7,
            at=time(9 + i % 10, 0),
            languages=["ar", "de"][: 1 + i % 2],
            **kw,
        )
    return fb.once_need(
        world["gaggenau"],
        created_by=world["manager"],
        starts_at=fb.local(today_local() + timedelta(days=1 + i % 40), 8 + i % 12),
        languages=["fa", "uk", "de"][: i % 4],
        **kw,
    )


def open_needs(world: dict[str, Any], n: int) -> None:
    for i in range(n):
        _need(world, i)
    db.session.commit()


def claimed_needs_with_reports(world: dict[str, Any], n: int) -> None:
    """``n`` needs the volunteer claimed: some still active (upcoming), some completed, each
    with a report (one raising a concern)."""
    for i in range(n):
        need = _need(world, i, capacity=2)
        status = AssignmentStatus.ACTIVE if i % 3 else AssignmentStatus.COMPLETED
        claim = fb.assignment(need, world["profile"], status=status)
        if status == AssignmentStatus.COMPLETED:
            need.status = NeedStatus.COMPLETED
        fb.report(
            claim,
            today_local() - timedelta(days=1 + i),
            30 + i,
            concern="" if i else "Bitte rasch melden.",
            concern_raised=i == 0,
        )
    db.session.commit()


def applications(world: dict[str, Any], n: int) -> None:
    """``n`` volunteers at home in Gaggenau, pending and approved, speaking two languages."""
    for i in range(n):
        status = VolunteerStatus.PENDING if i % 2 else VolunteerStatus.APPROVED
        user = factories.volunteer(world["gaggenau"], status=status, name=f"Helferin {i}")
        profile_of(user).languages = {"de": "native", "ar": "good"}
    db.session.commit()


def audit_events(world: dict[str, Any], n: int) -> None:
    for i in range(n):
        audit.record(
            "need.viewed",
            actor=world["manager"],
            object_type="need",
            object_id=i + 1,
            municipality_id=world["gaggenau"].id,
        )
    db.session.commit()


def statements(count_queries, get: Callable[[], Any]) -> int:
    with count_queries() as counted:
        response = get()
    assert response.status_code == 200
    return counted.count


@pytest.mark.parametrize(
    ("who", "path", "add"),
    [
        ("lena@example.org", "/board/", open_needs),
        ("lena@example.org", "/board/?sort=fit&language=ar", open_needs),
        ("keller@example.org", "/needs/", open_needs),
        ("lena@example.org", "/board/my-tasks", claimed_needs_with_reports),
        ("keller@example.org", "/needs/reports", claimed_needs_with_reports),
        ("keller@example.org", "/needs/reports?all=1", claimed_needs_with_reports),
        ("koordination@example.org", "/coordination/", applications),
        ("koordination@example.org", "/coordination/?status=pending", applications),
        ("koordination@example.org", "/coordination/volunteers", applications),
        ("koordination@example.org", "/coordination/volunteers?status=pending", applications),
        ("koordination@example.org", "/dashboard", applications),
        ("lena@example.org", "/dashboard", claimed_needs_with_reports),
        ("keller@example.org", "/dashboard", claimed_needs_with_reports),
        ("admin@example.org", "/admin/audit", audit_events),
        ("admin@example.org", "/admin/audit?action=need.viewed", audit_events),
    ],
)
def test_a_list_page_issues_as_many_statements_for_30_rows_as_for_3(
    world, client, auth, count_queries, who, path, add
):
    auth.login(who)
    add(world, 3)
    client.get(path)  # warm caches (templates, translations)
    db.session.commit()  # expire what the warm-up loaded, as a fresh request would find it
    few = statements(count_queries, lambda: client.get(path))
    add(world, 27)
    db.session.commit()
    many = statements(count_queries, lambda: client.get(path))
    assert few == many
    assert many <= (4 if path.startswith("/board/?") or path == "/board/" else 12)


@pytest.mark.parametrize("path", ["/account/data.json", "/account/data.pdf"])
def test_the_data_export_issues_as_many_statements_for_30_tasks_as_for_3(
    world, client, auth, count_queries, path
):
    auth.login("lena@example.org")
    claimed_needs_with_reports(world, 3)
    client.get(path)
    db.session.commit()
    few = statements(count_queries, lambda: client.get(path))
    claimed_needs_with_reports(world, 27)
    db.session.commit()
    many = statements(count_queries, lambda: client.get(path))
    assert few == many
    assert many <= 30


def test_the_managers_start_page_counts_its_figures_in_one_statement(
    world, client, auth, count_queries
):
    """Reviews due, overdue steps, concerns, reports to acknowledge and unclaimed needs: five
    bounded counts, one statement (plus the user, the reviews' preview and the navigation)."""
    auth.login("keller@example.org")
    claimed_needs_with_reports(world, 3)
    client.get("/dashboard")
    db.session.commit()
    with count_queries() as counted:
        assert client.get("/dashboard").status_code == 200
    counts = [s for s in counted.statements if "count(*)" in s.lower()]
    assert len(counts) == 1, counts
    assert counted.count <= 5


def test_the_need_page_issues_as_few_statements_for_23_places_as_for_2(
    world, client, auth, count_queries
):
    """A volunteer who helps in every municipality costs the need page no more than one who
    helps in two: the profile brings the places as ids, not as objects."""
    places = factories.reference_data()
    profile = world["profile"]
    profile.municipalities.append(world["buehl"])
    need = fb.once_need(
        world["buehl"],
        created_by=world["other_manager"],
        starts_at=fb.local(today_local() + timedelta(days=3), 10),
        languages=["ar", "de"],
    )
    db.session.commit()
    auth.login("lena@example.org")
    path = f"/board/needs/{need.id}"
    client.get(path)
    db.session.commit()
    with count_queries() as counted:
        page = client.get(path)
    few = counted.count
    assert "Aufgabe übernehmen" in page.get_data(as_text=True)
    profile = profile_of(world["volunteer"])
    profile.municipalities = list(places.values())
    db.session.commit()
    with count_queries() as counted:
        page = client.get(path)
    body = page.get_data(as_text=True)
    assert "Aufgabe übernehmen" in body and "Bühl" in body and "Arabisch" in body
    assert counted.count == few <= 6


def test_the_soonest_claims_are_chosen_in_sql_by_their_next_appointment(world):
    """The volunteer's upcoming tasks are read soonest first and cut in SQL (the start page
    reads 3, not every active claim): the SQL order is the next appointment's, the same as
    `schedule.next_occurrence` gives (weekly needs that started long ago included)."""
    from portal.core.time import utcnow
    from portal.needs import own_tasks, schedule

    claims = {}
    for i in range(30):
        claim = fb.assignment(_need(world, i, capacity=2), world["profile"])
        claims[claim.id] = claim
    db.session.commit()
    now = utcnow()
    every = own_tasks.upcoming_with_next(world["profile"], limit=100)
    assert len(every) == 30
    by_next = sorted(every, key=lambda pair: (pair[1][0], pair[0].id))  # type: ignore[index]
    assert [t.id for t, _next in every] == [t.id for t, _next in by_next]
    soonest = own_tasks.upcoming_with_next(world["profile"], limit=3)
    assert [t.id for t, _next in soonest] == [t.id for t, _next in by_next[:3]]
    assert all(nxt == schedule.next_occurrence(claims[t.id].need, now) for t, nxt in soonest)
    assert all(t.title == claims[t.id].need.title for t, _next in soonest)


@pytest.mark.parametrize(("path", "most"), [("/board/my-tasks", 6), ("/dashboard", 7)])
def test_the_volunteers_pages_stay_within_their_statements_for_30_claims(
    world, client, auth, count_queries, path, most
):
    auth.login("lena@example.org")
    claimed_needs_with_reports(world, 30)
    client.get(path)
    db.session.commit()
    assert statements(count_queries, lambda: client.get(path)) <= most
