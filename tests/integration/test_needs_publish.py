"""Publishing needs: from a plan step or on its own; validation at the field, nothing saved."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.core.time import local_to_utc, today_local
from portal.extensions import db
from portal.needs.models import Need
from portal.plans.models import StepStatus
from tests import factories
from tests import factories_plans as fp


@pytest.fixture
def world(app):
    places = factories.reference_data()
    keller = factories.manager(office_=places["Gaggenau"].office, email="keller@example.org")
    person = fp.client(places["Gaggenau"], name="Familie Haidari", manager_=keller)
    step = fp.step(fp.goal(person))
    db.session.commit()
    return {"places": places, "keller": keller, "client": person, "step": step}


def _day(days: int) -> str:
    return (today_local() + timedelta(days=days)).isoformat()


def once(world, **overrides):
    data = {
        "category": "accompanying",
        "title": "Begleitung zur VHS-Anmeldung",
        "public_description": "Gemeinsam zur Anmeldung für den Integrationskurs gehen.",
        "private_notes": "Herr H. braucht Hilfe mit dem Formular.",
        "municipality_id": world["places"]["Gaggenau"].id,
        "meeting_point": "Bahnhof Gaggenau, Haupteingang",
        "languages": ["prs", "de"],
        "schedule_kind": "once",
        "starts_at": f"{_day(5)}T10:00",
        "ends_at": f"{_day(5)}T11:30",
        "capacity": "1",
        "status": "open",
    }
    data.update(overrides)
    return data


def weekly(world, **overrides):
    data = once(world, schedule_kind="weekly", category="tutoring", title="Hausaufgabenhilfe")
    data.pop("starts_at")
    data.pop("ends_at")
    data.update(
        {
            "weekday": "2",
            "time_of_day": "15:30",
            "duration_hours": "1,5",
            "starts_on": _day(3),
            "ends_on": _day(60),
            "capacity": "2",
        }
    )
    data.update(overrides)
    return data


def test_form_states_plainly_that_volunteers_read_the_public_description(world, client, auth):
    auth.login("keller@example.org")
    html = client.get(f"/needs/new?step_id={world['step'].id}").get_data(as_text=True)
    assert "Diesen Text lesen die Ehrenamtlichen." in html
    assert "nicht erkennbar machen" in html
    assert world["step"].text in html
    # The municipality of the client is preselected.
    assert f'<option value="{world["places"]["Gaggenau"].id}" selected="selected">' in html


def test_publish_a_one_off_need_from_a_step(world, client, auth):
    auth.login("keller@example.org")
    response = client.post("/needs/new", data=once(world, source_step_id=world["step"].id))
    assert response.status_code == 302, response.get_data(as_text=True)
    need = db.session.scalars(select(Need)).one()
    assert need.status == "open"
    assert need.source_step_id == world["step"].id
    assert need.created_by_id == world["keller"].id
    # Stored as naive UTC: 10:00 in Berlin.
    start_local = datetime.combine(date.fromisoformat(_day(5)), datetime.min.time()).replace(
        hour=10
    )
    assert need.starts_at == local_to_utc(start_local)
    assert need.ends_at - need.starts_at == timedelta(minutes=90)
    assert need.starts_on == need.ends_on == date.fromisoformat(_day(5))
    assert need.languages == ["prs", "de"]
    assert need.taken == 0
    db.session.refresh(world["step"])
    assert world["step"].status == StepStatus.IN_PROGRESS


def test_publish_a_weekly_need_on_its_own_as_draft(world, client, auth):
    auth.login("keller@example.org")
    response = client.post("/needs/new", data=weekly(world, status="draft"))
    assert response.status_code == 302, response.get_data(as_text=True)
    need = db.session.scalars(select(Need)).one()
    assert need.status == "draft"
    assert need.source_step_id is None
    assert need.schedule_kind == "weekly"
    assert (need.weekday, need.time_of_day.strftime("%H:%M"), need.duration_minutes) == (
        2,
        "15:30",
        90,
    )
    assert need.starts_at is None and need.ends_at is None
    assert need.capacity == 2


def test_youth_and_family_always_requires_a_certificate_of_conduct(world, client, auth):
    auth.login("keller@example.org")
    data = once(world, category="youth_family")
    data.pop("requires_conduct_certificate", None)
    assert client.post("/needs/new", data=data).status_code == 302
    need = db.session.scalars(select(Need)).one()
    assert need.requires_conduct_certificate is True


@pytest.mark.parametrize(
    ("make", "overrides", "field"),
    [
        ("once", {"ends_at": f"{_day(5)}T09:00"}, "ends_at"),
        ("once", {"ends_at": f"{_day(5)}T10:00"}, "ends_at"),
        ("once", {"starts_at": f"{_day(-1)}T10:00", "ends_at": f"{_day(-1)}T11:00"}, "starts_at"),
        ("once", {"capacity": "0"}, "capacity"),
        ("once", {"capacity": "-3"}, "capacity"),
        ("once", {"starts_at": ""}, "starts_at"),
        ("once", {"title": ""}, "title"),
        ("once", {"public_description": "  "}, "public_description"),
        ("weekly", {"ends_on": _day(2)}, "ends_on"),
        ("weekly", {"starts_on": _day(-7)}, "starts_on"),
        ("weekly", {"weekday": ""}, "weekday"),
        ("weekly", {"duration_hours": "0"}, "duration_hours"),
        ("weekly", {"duration_hours": ""}, "duration_hours"),
        ("weekly", {"duration_hours": "13"}, "duration_hours"),
        ("weekly", {"starts_on": "kein Datum"}, "starts_on"),
    ],
)
def test_invalid_needs_are_answered_at_the_field_and_nothing_is_saved(
    world, client, auth, make, overrides, field
):
    auth.login("keller@example.org")
    builder = once if make == "once" else weekly
    response = client.post(
        "/needs/new", data=builder(world, source_step_id=world["step"].id, **overrides)
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert f'aria-describedby="{field}-error"' in html or f'{field}-error"' in html
    assert db.session.scalar(select(func.count()).select_from(Need)) == 0
    db.session.refresh(world["step"])
    assert world["step"].status == StepStatus.OPEN


def test_a_need_in_a_municipality_the_manager_does_not_serve_is_refused(world, client, auth):
    auth.login("keller@example.org")
    response = client.post(
        "/needs/new", data=once(world, municipality_id=world["places"]["Bühl"].id)
    )
    assert response.status_code == 400
    assert 'id="municipality_id-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Need)) == 0


def test_a_step_of_another_office_cannot_be_used_as_source(world, client, auth):
    places = world["places"]
    hofmann = factories.manager(office_=places["Bühl"].office, email="hofmann@example.org")
    db.session.commit()
    auth.login("hofmann@example.org")
    assert client.get(f"/needs/new?step_id={world['step'].id}").status_code == 404
    data = once(world, municipality_id=places["Bühl"].id, source_step_id=world["step"].id)
    assert client.post("/needs/new", data=data).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Need)) == 0
    assert hofmann.id
