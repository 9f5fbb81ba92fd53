"""The statistics dashboard: hand-counted figures, a chart with its table, the scope of each
role, and the same number of queries for ten times the data."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.oversight import charts, figures, outcomes
from portal.oversight.periods import Period
from portal.volunteers.models import VolunteerEvent, VolunteerProfile
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp

Q1 = Period("quarter", 2026, 1)
ARGS = {"kind": "quarter", "year": "2026", "number": "1"}


def _need(place, published, claims_after_days=None, **kw):
    """A need published at ``published`` (and claimed that many days later, if given)."""
    need = fb.once_need(place, **kw)
    need.published_at = published
    if claims_after_days is not None:
        profile = fb.profile_of(factories.volunteer(place))
        claim = fb.assignment(
            need, profile, claimed_at=published + timedelta(days=claims_after_days)
        )
        fb.report(claim, date(2026, 2, 20), 90)
    return need


def _world(scale: int = 1):
    places = factories.reference_data()
    gaggenau, buehl = places["Gaggenau"], places["Bühl"]
    factories.coordinator(gaggenau, email="k@example.org")
    start = datetime(2026, 1, 10, 9)
    for _ in range(scale):
        # claimed after 1, 3 and 10 days: median 3; a fourth need nobody claimed
        _need(gaggenau, start, 1, category="tutoring", languages=["ar"])
        _need(gaggenau, start, 3, category="tutoring", languages=["ar", "fa"])
        _need(gaggenau, start, 10, category="accompanying", languages=[])
        _need(gaggenau, start, None, category="accompanying", languages=["ar"])
        cancelled = _need(gaggenau, start, None, category="other", languages=[])
        cancelled.status, cancelled.closed_at = "cancelled", datetime(2026, 2, 1)
        _need(buehl, start, 0, category="other", languages=["uk"])  # another town hall
    db.session.commit()
    return places


def test_figures_equal_the_hand_count(app):
    places = _world()
    numbers = figures.figures(Q1, {places["Gaggenau"].id})
    assert dict(numbers.needs) == {"published": 5, "filled": 3, "completed": 0, "cancelled": 1}
    assert numbers.median_days_to_claim == 3.0
    assert dict(numbers.hours_by_category)["tutoring"] == 3.0  # two reports of 90 minutes
    assert dict(numbers.hours_by_category)["accompanying"] == 1.5
    assert numbers.hours_by_month == [("2026-02", 4.5)]
    assert dict(numbers.unfilled_by_category) == {
        "tutoring": 0,
        "language_practice": 0,
        "accompanying": 1,
        "youth_family": 0,
        "housing_search": 0,
        "other": 0,
    }
    assert dict(numbers.volunteers_by_status)["approved"] == 3
    assert numbers.languages[:2] == [("ar", 3, 0), ("fa", 1, 0)]  # needs still running
    both = figures.figures(Q1, {places["Gaggenau"].id, places["Bühl"].id})
    assert both.median_days_to_claim == 2.0  # 0, 1, 3, 10


def _history(home, submitted, status, *changes):
    profile = fb.profile_of(factories.volunteer(home, status=status))
    profile.submitted_at = submitted
    for at, to_status in changes:
        db.session.add(
            VolunteerEvent(volunteer=profile, kind="approved", at=at, to_status=to_status)
        )
    return profile


def test_volunteers_over_time_and_unfilled_needs_by_municipality_equal_the_hand_count(app):
    places = factories.reference_data()
    gaggenau, buehl = places["Gaggenau"], places["Bühl"]
    _history(
        gaggenau,
        datetime(2025, 12, 1),
        "suspended",
        (datetime(2026, 1, 15), "approved"),
        (datetime(2026, 3, 10), "suspended"),
    )
    _history(gaggenau, datetime(2026, 2, 10), "pending")  # no recorded history
    _history(
        gaggenau,
        datetime(2026, 1, 5),
        "approved",
        (datetime(2026, 1, 5), "pending"),
        (datetime(2026, 2, 20), "approved"),
    )
    _history(buehl, datetime(2025, 1, 1), "approved")  # another town hall
    _history(gaggenau, datetime(2026, 4, 2), "approved")  # applied after the quarter
    for status, taken, capacity in (("open", 0, 1), ("open", 1, 2), ("open", 1, 1)):
        need = fb.once_need(gaggenau, capacity=capacity)
        need.status, need.taken = status, taken
    fb.once_need(buehl).status = "draft"
    db.session.commit()
    numbers = figures.figures(Q1, {gaggenau.id})
    assert numbers.volunteers_over_time == [
        ("2026-01", {"pending": 1, "approved": 1, "rejected": 0, "suspended": 0}),
        ("2026-02", {"pending": 1, "approved": 2, "rejected": 0, "suspended": 0}),
        ("2026-03", {"pending": 1, "approved": 1, "rejected": 0, "suspended": 1}),
    ]
    assert numbers.unfilled_by_municipality == [("Gaggenau", 2)]
    both = figures.figures(Q1, {gaggenau.id, buehl.id})
    assert both.unfilled_by_municipality == [("Gaggenau", 2), ("Bühl", 0)]
    assert [counts["approved"] for _m, counts in both.volunteers_over_time] == [2, 3, 2]


def test_dashboard_shows_charts_with_tables_for_the_coordinators_towns_only(app, client, auth):
    places = _world()
    auth.login("k@example.org")
    page = client.get("/oversight/dashboard", query_string=ARGS)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('role="img"') == 7 and text.count('<details class="chart-data"') == 7
    assert re.search(
        r'data-chart="unfilled-places">.*?Gaggenau</th><td class="number">1<', text, re.S
    )
    assert 'data-chart="volunteers-time"' in text and "<polyline" in text
    assert re.search(r'data-chart="needs">.*?veröffentlicht</th><td class="number">5<', text, re.S)
    assert "Bühl" not in text
    other = places["Bühl"].id
    assert (
        client.get("/oversight/dashboard", query_string={"municipality": other}).status_code == 404
    )
    bad = client.get("/oversight/dashboard", query_string={**ARGS, "year": "1900"})
    assert bad.status_code == 400


def _queries(client, count_queries) -> int:
    client.get("/oversight/dashboard", query_string=ARGS)  # builds the municipality catalogue
    with count_queries() as counter:
        assert client.get("/oversight/dashboard", query_string=ARGS).status_code == 200
    return counter.count


def test_dashboard_and_report_queries_do_not_grow_with_the_data(app, client, auth, count_queries):
    _world(1)
    auth.login("k@example.org")
    small = _queries(client, count_queries)
    with count_queries() as counter:
        client.get("/oversight/report", query_string=ARGS)
    report_small = counter.count
    _world_more()
    assert _queries(client, count_queries) == small
    with count_queries() as counter:
        client.get("/oversight/report", query_string=ARGS)
    assert counter.count == report_small


def test_the_county_dashboard_costs_the_same_at_ten_times_the_data(
    app, client, auth, count_queries
):
    places = _world(1)
    factories.admin(email="a@example.org")
    factories.user("lead@example.org", roles=[("office_lead", None, places["Bühl"].office_id)])
    db.session.commit()
    costs = {}
    for email in ("a@example.org", "lead@example.org"):
        auth.login(email)
        costs[email] = _queries(client, count_queries)
        auth.logout()
    _world_more()
    for profile in db.session.scalars(select(VolunteerProfile)):
        db.session.add(VolunteerEvent(volunteer=profile, kind="approved", to_status="approved"))
    db.session.commit()
    for email in ("a@example.org", "lead@example.org"):
        auth.login(email)
        assert _queries(client, count_queries) == costs[email], email
        auth.logout()


def _world_more():
    places = factories.reference_data()
    start = datetime(2026, 1, 10, 9)
    for _ in range(27):
        _need(places["Gaggenau"], start, 2, category="tutoring", languages=["ar"])
        _need(places["Gaggenau"], start, None, category="other", languages=["fa"])
    db.session.commit()


def test_plan_outcomes_equal_the_hand_count(app, client, auth):
    places = factories.reference_data()
    home = places["Gaggenau"]
    factories.manager(home, email="m@example.org")
    owner = fp.client(home)
    owner.plan.next_review_on = date(2026, 1, 1)  # overdue
    language = fp.goal(owner, area="language")
    language.created_at = datetime(2026, 2, 1)
    language.status, language.closed_on = "achieved", date(2026, 3, 1)
    work = fp.goal(owner, area="work")
    work.created_at = datetime(2025, 5, 1)  # opened before the quarter
    work.status, work.closed_on = "dropped", date(2026, 2, 2)
    fp.step(
        language,
        actor="partner",
        partner="language_school",
        status="done",
        done_on=date(2026, 2, 3),
    )
    fp.step(
        language,
        actor="partner",
        partner="language_school",
        status="done",
        done_on=date(2026, 3, 3),
    )
    fp.step(work, actor="client", status="done", done_on=date(2026, 1, 20))
    fp.step(
        work, actor="partner", partner="jobcenter", status="done", done_on=date(2026, 5, 1)
    )  # later
    db.session.commit()
    result = outcomes.outcomes(Q1, {home.id})
    assert result.goals[0] == ("language", 1, 1, 0)
    assert result.goals[1] == ("work", 0, 0, 1)
    assert result.steps == [("client", "", 1), ("partner", "language_school", 2)]
    assert result.reviews_overdue == 1
    auth.login("m@example.org")
    text = client.get("/oversight/dashboard", query_string=ARGS).get_data(as_text=True)
    assert 'data-table="steps"' in text and "Reference" not in text
    assert owner.reference not in text and owner.name not in text


def test_unfilled_needs_by_municipality_are_capped_to_the_most_wanting(app, monkeypatch):
    monkeypatch.setattr(figures, "UNFILLED_PLACES", 2)
    places = factories.reference_data()
    wanting = {"Gaggenau": 3, "Bühl": 1, "Rastatt": 2}
    for name, count in wanting.items():
        for _ in range(count):
            fb.once_need(places[name]).status = "open"
    db.session.commit()
    numbers = figures.figures(Q1, {places[name].id for name in wanting})
    assert numbers.unfilled_by_municipality == [("Gaggenau", 3), ("Rastatt", 2)]
    chart = charts.dashboard_charts(numbers)[-1]
    assert chart.title == "Unbesetzte Bedarfe: die 2 Gemeinden, in denen am meisten fehlt"
    assert [bar.label for bar in chart.bars] == ["Gaggenau", "Rastatt"]
