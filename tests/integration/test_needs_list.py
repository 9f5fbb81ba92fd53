"""The managers' needs list: scope, filters, counts of claims and reports, bounded queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.core.time import today_local
from portal.extensions import db
from portal.needs.models import Assignment, Need, NeedStatus
from portal.needs.report_models import Report
from portal.volunteers.models import VolunteerProfile
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp


@pytest.fixture
def world(app):
    places = factories.reference_data()
    keller = factories.manager(office_=places["Gaggenau"].office, email="keller@example.org")
    person = fp.client(places["Gaggenau"], manager_=keller)
    goal = fp.goal(person)
    volunteer = factories.volunteer(places["Gaggenau"], email="lena@example.org")
    profile = db.session.scalars(
        select(VolunteerProfile).where(VolunteerProfile.user_id == volunteer.id)
    ).one()
    db.session.commit()
    return {"places": places, "keller": keller, "goal": goal, "profile": profile}


def add_needs(world, n: int) -> None:
    """``n`` needs, each from its own step, each with one claim and two reports."""
    for i in range(n):
        step = fp.step(world["goal"], text=f"Schritt {i}")
        need = fp.need(world["places"]["Gaggenau"], title=f"Bedarf {i}", source_step=step)
        assignment = Assignment(need=need, volunteer=world["profile"], status="active")
        need.taken = 1
        db.session.add(assignment)
        for day in (1, 2):
            db.session.add(
                Report(
                    assignment=assignment,
                    activity_on=date(2026, 1, day),
                    minutes=60,
                    outcome="Gut gelaufen",
                    concern_raised=day == 2 and i == 0,
                )
            )
    db.session.commit()


def test_needs_list_issues_the_same_number_of_queries_for_5_and_50_needs(
    world, client, auth, count_queries
):
    auth.login("keller@example.org")
    add_needs(world, 5)
    client.get("/needs/")  # the first page of a process builds its municipality catalogue
    with count_queries() as few:
        response = client.get("/needs/")
    assert response.status_code == 200
    add_needs(world, 45)
    with count_queries() as many:
        response = client.get("/needs/")
    assert response.status_code == 200
    assert few.count == many.count
    assert many.count <= 12
    # And with filters too.
    with count_queries() as filtered:
        response = client.get(f"/needs/?status=open&category=tutoring&date_from={today_local()}")
    assert response.status_code == 200
    assert filtered.count <= many.count


def test_needs_list_shows_claims_and_reports_per_need(world, client, auth):
    add_needs(world, 1)
    auth.login("keller@example.org")
    html = client.get("/needs/").get_data(as_text=True)
    assert "Bedarf 0" in html
    assert "1 / 2" in html  # claims / capacity
    assert "1 Anliegen offen" in html


def test_needs_list_is_paginated(world, client, auth):
    add_needs(world, 30)
    auth.login("keller@example.org")
    first = client.get("/needs/").get_data(as_text=True)
    second = client.get("/needs/?page=2").get_data(as_text=True)
    assert first.count("/needs/") > 0
    assert "Seite 1 von 2" in first
    assert "Seite 2 von 2" in second


def test_needs_list_filters(world, client, auth):
    places = world["places"]
    soon = fp.need(places["Gaggenau"], title="Bald-A", days_ahead=2)
    later = fp.need(places["Gernsbach"], title="Später-B", days_ahead=40, category="housing_search")
    fp.need(places["Gaggenau"], title="Entwurf-C", status=NeedStatus.DRAFT)
    fp.need(places["Bühl"], title="Fremd-D")
    db.session.commit()
    auth.login("keller@example.org")

    def titles(query: str) -> set[str]:
        html = client.get(f"/needs/{query}").get_data(as_text=True)
        return {t for t in ("Bald-A", "Später-B", "Entwurf-C", "Fremd-D") if t in html}

    assert titles("") == {"Bald-A", "Später-B", "Entwurf-C"}
    assert titles("?status=draft") == {"Entwurf-C"}
    assert titles(f"?municipality_id={places['Gernsbach'].id}") == {"Später-B"}
    assert titles("?category=housing_search") == {"Später-B"}
    d = today_local()
    assert titles(f"?date_from={d + timedelta(days=30)}") == {"Später-B"}
    assert titles(f"?date_to={d + timedelta(days=5)}") == {"Bald-A"}
    # A municipality outside the manager's scope filters nothing in: still only own needs.
    assert titles(f"?municipality_id={places['Bühl'].id}") == {"Bald-A", "Später-B", "Entwurf-C"}
    assert soon.id and later.id
    assert db.session.get(Need, soon.id) is not None


@pytest.mark.app_config(PER_PAGE=5)
def test_the_list_counts_a_few_pages_ahead_only(app, client, auth, monkeypatch):
    from portal.core import pagination

    monkeypatch.setattr(pagination, "COUNT_AHEAD", 5)
    place = factories.reference_data()["Gaggenau"]
    manager = factories.manager(place, email="zaehler@example.org")
    for i in range(23):
        fb.once_need(place, created_by=manager, title=f"Gezählte Aufgabe {i}")
    db.session.commit()
    auth.login("zaehler@example.org")
    first = client.get("/needs/").get_data(as_text=True)
    assert "Seite 1 von mehr als 2" in first  # 5 on the page and 5 ahead: more than 10
    third = client.get("/needs/?page=3").get_data(as_text=True)
    assert "Seite 3 von mehr als 4" in third
    last = client.get("/needs/?page=5").get_data(as_text=True)
    assert "Seite 5 von 5" in last and "mehr als" not in last
