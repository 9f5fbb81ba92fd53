"""The managers', coordinators' and administrators' lists and start pages keep their statements:
built once per shape (which filters are given, which kind of scope), with the values of a request
(ids, dates, the user's municipalities, page and limits) as bind parameters. A page shown again,
also with other values of the same shape or for another user, has SQLAlchemy work out no
statement's cache key; the municipalities as a bind parameter narrow as the list of ids did, for
many municipalities, one, none and all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy.sql import cache_key

from portal.audit.services import events_query, record
from portal.auth.models import Membership, Role
from portal.core.pagination import Bound, count_upto, counts_upto, paginate
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs import queries
from portal.needs.models import Need
from portal.needs.report_models import Report
from portal.volunteers.models import VolunteerProfile
from portal.volunteers.queries import overview
from portal.volunteers.queue import QueueFilters, queue_statement
from tests import factories
from tests import factories_board as fb
from tests.conftest import AuthActions

MANY = 60
"""Municipalities of the wide office: a scope of many ids in one bind parameter."""


@pytest.fixture
def world(app) -> dict[str, Any]:
    """An office of `MANY` municipalities (and the county's reference data beside it), a need
    with a claim and a report in each, a volunteer at home in each; managers and coordinators of
    the wide office, of one municipality and of an office without municipalities (an empty
    scope); an administrator; audit events."""
    places = factories.reference_data()
    wide_office = factories.office("Weite Außenstelle")
    wide = [factories.municipality(f"Ort {i:02d}", wide_office) for i in range(MANY)]
    empty_office = factories.office("Leere Außenstelle")
    one = places["Bühl"]
    users = {
        "wide": factories.manager(office_=wide_office, email="wide@example.org", name="Wanda"),
        "one": factories.manager(one, email="one@example.org", name="Otto"),
        "none": factories.manager(office_=empty_office, email="none@example.org"),
        "coordinator": factories.user(email="coord@example.org"),
        "one_coordinator": factories.coordinator(one, email="coord-one@example.org"),
        "no_coordinator": factories.user(email="coord-none@example.org"),
        "admin": factories.admin(email="admin@example.org"),
    }
    # coordinators of an office, as the scale data has them (the staff pages grant a
    # coordinator municipalities only): of the wide office, and of one without municipalities
    for name, office in (("coordinator", wide_office), ("no_coordinator", empty_office)):
        membership = Membership(role=Role.COORDINATOR, office_id=office.id)
        users[name].memberships.append(membership)
    for number, place in enumerate([*wide, one, places["Gaggenau"]]):
        volunteer = fb.profile_of(
            factories.volunteer(place, status="pending" if number % 2 else "approved")
        )
        volunteer.decided_at = utcnow() - timedelta(days=200)
        fb.certificate(volunteer, today_local() - timedelta(days=1800), today_local())
        need = fb.once_need(place, capacity=2)
        claim = fb.assignment(need, volunteer)
        fb.report(claim, today_local() - timedelta(days=1), 60, concern_raised=number % 3 == 0)
        record("need.viewed", actor=users["wide"], object_type="need", object_id=need.id)
    db.session.commit()
    return {"wide_places": wide, "one_place": one, **users}


@pytest.fixture
def keys(monkeypatch) -> list[str]:
    """The statements whose cache key SQLAlchemy works out (a kept statement's is worked out
    once, then remembered on it)."""
    found: list[str] = []
    original = cache_key.HasCacheKey._generate_cache_key

    def generate(self: Any) -> Any:
        found.append(str(self)[:200])
        return original(self)

    monkeypatch.setattr(cache_key.HasCacheKey, "_generate_cache_key", generate)
    return found


def _client(app: Any, email: str) -> Any:
    client = app.test_client()
    AuthActions(client).login(email)
    return client


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (("wide", "/needs/"), ("wide", "/needs/?page=2")),
        (("wide", "/needs/"), ("one", "/needs/")),
        (
            ("wide", "/needs/?status=open&category=accompanying&date_from=2026-01-01"),
            ("one", "/needs/?status=filled&category=tutoring&date_from=2027-03-01"),
        ),
        (("wide", "/needs/reports?all=1"), ("wide", "/needs/reports?all=1&page=2")),
        (("wide", "/needs/reports?concerns=1"), ("one", "/needs/reports?concerns=1")),
        (("wide", "/dashboard"), ("one", "/dashboard")),
        (("coordinator", "/coordination/"), ("one_coordinator", "/coordination/")),
        (
            ("coordinator", "/coordination/volunteers?q=ort&status=pending&idle=1"),
            ("one_coordinator", "/coordination/volunteers?q=x_y&status=approved&idle=1"),
        ),
        (
            ("coordinator", "/coordination/volunteers?certificate=expiring&page=2"),
            ("one_coordinator", "/coordination/volunteers?certificate=expiring"),
        ),
        (("coordinator", "/dashboard"), ("one_coordinator", "/dashboard")),
        (("admin", "/admin/audit"), ("admin", "/admin/audit?page=2")),
        (
            ("admin", "/admin/audit?action=need.&actor=wide&date_from=2026-01-01"),
            ("admin", "/admin/audit?action=client.&actor=otto&date_from=2026-02-01"),
        ),
    ],
)
def test_a_list_shown_again_builds_no_statement(app, world, keys, first, then):
    """Shown again with other values of the same shape (another page, other filter values,
    another user of another scope), a page builds no statement: no cache key is worked out."""
    emails = {name: user.email for name, user in world.items() if hasattr(user, "email")}
    warm = _client(app, emails[first[0]])
    for _ in range(2):  # the first time builds and keeps the statements of the shape
        assert warm.get(first[1]).status_code == 200
    other = warm if then[0] == first[0] else _client(app, emails[then[0]])
    db.session.commit()
    keys.clear()
    assert other.get(then[1]).status_code == 200
    assert keys == []


def _paged(query: Bound) -> Any:
    with current_app.test_request_context("/"):
        return paginate(query, per_page=100)


def _need_places(user: Any) -> list[int]:
    page = _paged(queries.needs_query(user, queries.NeedFilters()))
    assert page.total == len(page.items)
    return sorted(need.municipality_id for need in page.items)


def test_the_scope_parameter_narrows_as_the_list_of_ids(world):
    """The same kept statements for a scope of many municipalities, of one, of none and of all:
    each user's lists hold the rows of their municipalities, no other."""
    wide = sorted(place.id for place in world["wide_places"])
    one = world["one_place"].id
    everywhere = sorted(db.session.scalars(select(Need.municipality_id)))
    assert _need_places(world["wide"]) == wide
    assert _need_places(world["one"]) == [one]
    assert _need_places(world["none"]) == []
    assert _need_places(world["admin"]) == everywhere
    assert _need_places(world["wide"]) == wide  # the longer list again, after the shorter

    def report_places(user: Any, concerns: bool = False) -> list[int]:
        page = _paged(queries.manager_reports_stmt(user, True, concerns))
        return sorted(report.municipality_id for report in page.items)

    concerned = sorted(
        db.session.scalars(select(Report.municipality_id).where(Report.concern_raised))
    )
    assert report_places(world["wide"]) == wide
    assert report_places(world["wide"], True) == sorted(p for p in concerned if p in wide)
    assert report_places(world["one"]) == [one]
    assert report_places(world["none"]) == []
    assert len(report_places(world["admin"])) == MANY + 2

    def queue_homes(user: Any, **filters: Any) -> list[int]:
        page = _paged(queue_statement(user, QueueFilters(**filters)))
        return sorted(profile.home_municipality_id for profile in page.items)

    assert queue_homes(world["coordinator"]) == wide
    assert queue_homes(world["one_coordinator"]) == [one]
    assert queue_homes(world["no_coordinator"]) == []
    assert len(queue_homes(world["admin"])) == MANY + 2
    pending = queue_homes(world["coordinator"], status="pending")
    assert pending and pending == [p for i, p in enumerate(wide) if i % 2]
    assert queue_homes(world["one_coordinator"], status="pending") == []

    pages = overview(world["coordinator"]).places.pages  # 50 municipalities a page
    counted = [overview(world["coordinator"], page=n).counts for n in range(1, pages + 1)]
    assert [row["id"] for rows in counted for row in rows] == wide
    assert [row["id"] for row in overview(world["one_coordinator"]).counts] == [one]
    assert overview(world["no_coordinator"]).counts == []
    assert overview(world["no_coordinator"]).oldest_pending == []


@pytest.mark.parametrize(
    "path", ["/needs/", "/needs/reports", "/needs/reports?all=1&concerns=1", "/dashboard"]
)
def test_a_manager_of_no_municipality_sees_empty_lists(app, world, path):
    client = _client(app, world["none"].email)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Begleitung zum Termin" not in html and "Ort 0" not in html


@pytest.mark.parametrize("path", ["/coordination/", "/coordination/volunteers", "/dashboard"])
def test_a_coordinator_of_no_municipality_sees_empty_lists(app, world, path):
    client = _client(app, world["no_coordinator"].email)
    response = client.get(path)
    assert response.status_code == 200
    assert "Ort 0" not in response.get_data(as_text=True)


def test_bounded_counts_of_kept_statements(world):
    """`count_upto` and `counts_upto` of kept statements answer as of the statements built for
    the values; several in one statement share a bind parameter only with one value."""
    wide = queries.needs_query(world["wide"], queries.NeedFilters())
    one = queries.needs_query(world["one"], queries.NeedFilters())
    admin = queries.needs_query(world["admin"], queries.NeedFilters())
    assert count_upto(wide, 100) == MANY
    assert count_upto(wide, 10) == 11
    assert counts_upto([admin, wide], 1000) == [MANY + 2, MANY]
    with pytest.raises(ValueError, match="scope"):
        counts_upto([wide, one], 10)  # two scopes for one bind parameter
    with pytest.raises(TypeError):
        counts_upto([wide, select(VolunteerProfile.id)], 10)


def test_the_audit_filters_escape_like_wildcards(world):
    """The actor search and the action prefix are bind parameters now: ``%`` and ``_`` in them
    still match themselves only."""
    exact = factories.user(email="a_b@example.org", name="Anna_Berg")
    other = factories.user(email="axb@example.org", name="AnnaXBerg")
    for actor, action in ((exact, "odd_action.one"), (other, "oddxaction.one")):
        record(action, actor=actor, object_type="user", object_id=actor.id)
    db.session.commit()

    def actions(**filters: Any) -> list[str]:
        page = _paged(events_query(**filters))
        return sorted(event.action for event in page.items)

    assert actions(actor_search="a_b") == ["odd_action.one"]
    assert actions(actor_search="NNA_b") == ["odd_action.one"]
    assert actions(actor_search="%") == []
    assert actions(action="odd_action.") == ["odd_action.one"]
    assert actions(action="odd%.") == []
    assert len(actions(actor_search="anna")) == 2
