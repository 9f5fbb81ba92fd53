"""The rules of needs and plans as plain functions (no HTTP)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from portal.core.errors import NotAllowed
from portal.core.time import today_local
from portal.extensions import db
from portal.needs import services, validation
from portal.needs.models import NeedCategory
from portal.plans import clients
from portal.plans import services as plan_services
from portal.plans.models import Goal, Step, StepStatus
from tests import factories


def _once(**kw) -> validation.NeedInput:
    start = datetime.combine(today_local() + timedelta(days=3), time(10, 0))
    data = {
        "category": NeedCategory.TUTORING,
        "title": "Nachhilfe",
        "public_description": "Mathe",
        "municipality_id": 1,
        "schedule_kind": "once",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "capacity": 1,
        "status": "open",
    }
    data.update(kw)
    return validation.NeedInput(**data)


def _weekly(**kw) -> validation.NeedInput:
    data = {
        "schedule_kind": "weekly",
        "starts_at": None,
        "ends_at": None,
        "weekday": 2,
        "time_of_day": time(16, 0),
        "duration_minutes": 60,
        "starts_on": today_local() + timedelta(days=1),
        "ends_on": today_local() + timedelta(days=50),
    }
    data.update(kw)
    return _once(**data)


def test_a_valid_need_has_no_errors(app):
    assert validation.validate(_once()) == {}
    assert validation.validate(_weekly()) == {}
    assert validation.validate(_weekly(ends_on=None)) == {}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (lambda: _once(ends_at=_once().starts_at - timedelta(minutes=1)), "ends_at"),
        (lambda: _once(capacity=0), "capacity"),
        (
            lambda: _once(starts_at=datetime(2020, 1, 1, 10), ends_at=datetime(2020, 1, 1, 11)),
            "starts_at",
        ),
        (lambda: _weekly(ends_on=today_local()), "ends_on"),
        (lambda: _weekly(starts_on=today_local() - timedelta(days=1)), "starts_on"),
        (lambda: _weekly(weekday=9), "weekday"),
        (lambda: _once(schedule_kind="monthly"), "schedule_kind"),
        (lambda: _once(category="party"), "category"),
        (lambda: _once(status="filled"), "status"),
    ],
)
def test_each_rule_names_its_field(app, data, field):
    assert field in validation.validate(data())


def test_several_errors_are_reported_together(app):
    errors = validation.validate(_once(title=" ", capacity=0, ends_at=None))
    assert set(errors) == {"title", "capacity", "ends_at"}


def test_reference_format_and_prefix(app):
    app.config["COUNTY_REFERENCE_PREFIX"] = "BAD"
    first = clients.allocate_reference(2031)
    second = clients.allocate_reference(2031)
    other_year = clients.allocate_reference(2032)
    db.session.commit()
    assert (first, second, other_year) == ("BAD-2031-0001", "BAD-2031-0002", "BAD-2032-0001")


def test_goal_progress_ignores_dropped_steps_and_overdue_needs_an_open_step(app):
    goal = Goal(area="language", text="B1")
    goal.steps = [
        Step(text="a", status=StepStatus.DONE),
        Step(text="b", status=StepStatus.OPEN),
        Step(text="c", status=StepStatus.DROPPED),
    ]
    assert plan_services.goal_progress(goal) == (1, 2)
    today = date(2026, 5, 10)
    assert plan_services.is_overdue(Step(text="x", due_on=date(2026, 5, 9), status="open"), today)
    assert not plan_services.is_overdue(
        Step(text="x", due_on=date(2026, 5, 9), status="done"), today
    )
    assert not plan_services.is_overdue(Step(text="x", due_on=today, status="open"), today)


def test_services_refuse_actors_outside_the_municipality(app):
    places = factories.reference_data()
    coordinator = factories.coordinator(places["Gaggenau"])
    hofmann = factories.manager(office_=places["Bühl"].office)
    db.session.commit()
    data = clients.ClientInput(name="X", municipality_id=places["Gaggenau"].id)
    for actor in (coordinator, hofmann):
        with pytest.raises(NotAllowed):
            clients.create_client(actor, data)
        with pytest.raises(NotAllowed):
            services.create_need(actor, _once(municipality_id=places["Gaggenau"].id))
